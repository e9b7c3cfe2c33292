"""Word lists for the synthetic log: products, problem clauses, openers, tails and action notes.

Clauses are written so that ``opener + clause + tail`` reads as one or two plain English
sentences, e.g. "Customer rang to say " + "their direct debit was taken twice this month"
+ " after the billing system update. They want the money back today."

Slots filled when the per-series pools are built: ``{thing}`` (a product noun phrase),
``{n}`` (a small count), ``{amount}`` / ``{small}`` (pounds), ``{day}`` (a weekday).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXPECTATIONS_GAP = "expectations_gap"
SYSTEM_FAILURE = "system_failure"
RESOURCE_OR_ERROR = "resource_or_error"
OTHER = "other"


@dataclass(frozen=True)
class ProductText:
    """The vocabulary of one product or service: noun phrases, specific clauses, teams."""

    things: tuple[str, ...]
    clauses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    teams: tuple[str, ...] = ()


PRODUCT_TEXT: dict[str, ProductText] = {
    "Energy supply": ProductText(
        things=("gas supply", "electricity supply", "tariff", "meter reading"),
        clauses={
            SYSTEM_FAILURE: (
                "estimated readings were used although they had sent actual readings",
                "the switch to the new tariff did not go through",
                "the supply address on the account changed to a neighbour's",
            ),
            EXPECTATIONS_GAP: (
                "they expected the fixed tariff to be cheaper than the variable one",
                "the exit fee of £{small} came as a surprise to them",
                "they thought the price cap meant their bill could not go up",
            ),
            RESOURCE_OR_ERROR: (
                "their meter reading was entered with two digits swapped",
                "the letter about the end of their tariff was posted {n} weeks late",
            ),
        },
        teams=("Supply operations team", "Metering team"),
    ),
    "Smart meters": ProductText(
        things=("smart meter", "in-home display", "meter installation appointment"),
        clauses={
            SYSTEM_FAILURE: (
                "the smart meter stopped sending readings {n} weeks ago",
                "the in-home display shows zero usage every day",
                "the meter switched itself into prepayment mode",
            ),
            EXPECTATIONS_GAP: (
                "they expected the smart meter to cut their bills",
                "they assumed the installer would move the meter box as well",
            ),
            RESOURCE_OR_ERROR: (
                "the installer did not turn up for the morning appointment",
                "the engineer left without fitting the in-home display",
            ),
        },
        teams=("Smart installation team", "Field engineers"),
    ),
    "Billing and payments": ProductText(
        things=("direct debit", "monthly bill", "refund", "final bill"),
        clauses={
            SYSTEM_FAILURE: (
                "their direct debit was taken twice this month",
                "the new billing system sent a bill for £{amount} instead of £{small}",
                "their refund of £{small} has not arrived after {n} days",
            ),
            EXPECTATIONS_GAP: (
                "they expected their monthly payment to stay the same after the price change",
                "they expected the credit on their account to be paid back automatically",
            ),
            RESOURCE_OR_ERROR: (
                "the refund was keyed as £{small} instead of £{amount}",
                "a colleague set up the direct debit on the wrong date",
            ),
        },
        teams=("Billing team", "Payments team"),
    ),
    "Online account and app": ProductText(
        things=("online account", "mobile app", "password reset", "account login"),
        clauses={
            SYSTEM_FAILURE: (
                "the app logs them out every time they try to pay",
                "the password reset e-mail never arrives",
                "the account page shows another property's usage",
            ),
            EXPECTATIONS_GAP: (
                "they expected to be able to download bills older than a year",
                "they expected web chat to be open in the evening",
            ),
            RESOURCE_OR_ERROR: (
                "web chat was closed early because nobody was on shift",
                "an adviser gave them the wrong steps to reset their login",
            ),
        },
        teams=("IT service desk", "Digital team"),
    ),
    "Home delivery": ProductText(
        things=("delivery", "parcel", "delivery slot", "order"),
        clauses={
            SYSTEM_FAILURE: (
                "the tracking page said delivered but nothing arrived",
                "the delivery slot was cancelled by the routing system",
            ),
            EXPECTATIONS_GAP: (
                "they expected the driver to carry the item upstairs",
                "next-day delivery took {n} days",
            ),
            RESOURCE_OR_ERROR: (
                "the wrong item was picked at the warehouse",
                "the driver left the parcel outside in the rain",
            ),
        },
        teams=("Warehouse team", "Courier liaison"),
    ),
    "Boiler and home cover": ProductText(
        things=("boiler repair", "engineer visit", "home cover policy", "annual service"),
        clauses={
            SYSTEM_FAILURE: (
                "the engineer booking disappeared from the system",
                "the annual service reminder was never sent",
            ),
            EXPECTATIONS_GAP: (
                "they expected the cover to include a replacement boiler",
                "they thought an engineer would come the same day",
            ),
            RESOURCE_OR_ERROR: (
                "no engineer was available for {n} days in cold weather",
                "the engineer brought the wrong part and had to rebook",
            ),
        },
        teams=("Engineer scheduling", "Field engineers"),
    ),
    "Broadband and phone": ProductText(
        things=("broadband connection", "router", "landline", "broadband contract"),
        clauses={
            SYSTEM_FAILURE: (
                "the connection drops every evening",
                "the new router will not register on the network",
            ),
            EXPECTATIONS_GAP: (
                "the speed is well below what was advertised",
                "they did not expect a price rise during the contract",
            ),
            RESOURCE_OR_ERROR: (
                "the engineer visit was missed without notice",
                "an adviser cancelled the wrong line",
            ),
        },
        teams=("Network operations", "Technical support"),
    ),
    "Store returns and refunds": ProductText(
        things=("return", "exchange", "gift card", "store refund"),
        clauses={
            SYSTEM_FAILURE: (
                "the till would not put the refund back on their card",
                "the gift card balance showed as zero at the till",
            ),
            EXPECTATIONS_GAP: (
                "they expected a cash refund without a receipt",
                "they expected to return a sale item after {n} days",
            ),
            RESOURCE_OR_ERROR: (
                "nobody was staffing the returns desk",
                "a colleague refunded £{small} instead of £{amount}",
            ),
        },
        teams=("Store manager", "Refunds team"),
    ),
}

DEFAULT_PRODUCTS: tuple[str, ...] = tuple(PRODUCT_TEXT)

GENERIC_TEAMS = ("Team leader", "Complaints team", "Quality team", "Customer relations")
AUTHORITY = (
    "Team leader",
    "Customer service manager",
    "Complaints manager",
    "Operations manager",
    "Compliance officer",
)


def product_text(product: str) -> ProductText:
    """The vocabulary for ``product``; an unknown product gets generic noun phrases."""
    known = PRODUCT_TEXT.get(product)
    if known is not None:
        return known
    name = product[:1].lower() + product[1:] if product[1:2].islower() else product
    return ProductText(
        things=(name, f"{name} account", f"{name} request"),
        teams=(f"{product} team",),
    )


# Clauses any product can use, per category ("{thing}" is a product noun phrase).
GENERIC_CLAUSES: dict[str, tuple[str, ...]] = {
    EXPECTATIONS_GAP: (
        "their {thing} was not what the advert had led them to expect",
        "they expected the {thing} to include free cancellation but it does not",
        "they thought the {thing} would be sorted within {n} days, as the website implied",
        "the {thing} costs £{small} more than the price they were quoted",
        "they were unhappy that the {thing} is not covered at weekends",
        "they expected one named contact for their {thing} and were passed between teams",
        "the terms of the {thing} had changed without them noticing",
        "they believed the {thing} came with a {n}-year guarantee",
    ),
    SYSTEM_FAILURE: (
        "the {thing} failed after the system update on {day}",
        "the {thing} showed the wrong details because of a system error",
        "the booking system cancelled their {thing} without telling them",
        "their {thing} got stuck in the system and was never processed",
        "the automated letter about their {thing} went to an old address",
        "the {thing} was charged twice because an overnight job ran again",
        "the procedure for the {thing} has a step nobody owns, so it stalled",
        "the {thing} could not be changed because the screen kept timing out",
    ),
    RESOURCE_OR_ERROR: (
        "nobody was available to deal with their {thing} on {day}",
        "a colleague recorded the {thing} against the wrong account",
        "the {thing} was missed because the team was short-staffed",
        "they were given the wrong information about their {thing}",
        "the callback about their {thing} was promised but never made",
        "a typing error put £{amount} on the {thing} instead of £{small}",
        "the {thing} was delayed while we waited {n} days for a spare part",
        "they waited {n} minutes in the queue about their {thing} because of staff sickness",
    ),
    OTHER: (
        "they wanted to give feedback about the {thing}",
        "they were unhappy with the tone of a letter about the {thing}",
        "their data request about the {thing} took {n} weeks to answer",
        "a problem with someone else's {thing} was reported to us by mistake",
        "they raised a general concern about the {thing}",
        "they asked why the {thing} is no longer offered in their area",
    ),
}

EXPECTATIONS: dict[str, tuple[str, ...]] = {
    EXPECTATIONS_GAP: (
        "Wanted the {thing} to work as it was advertised.",
        "Expected what the leaflet promised.",
        "Wanted the price they were quoted for the {thing}.",
        "Expected to be told about changes to the {thing} in advance.",
    ),
    SYSTEM_FAILURE: (
        "Wanted the {thing} fixed and the error explained.",
        "Wanted the extra charge refunded straight away.",
        "Expected the system to get the {thing} right first time.",
        "Wanted confirmation that it will not happen again.",
    ),
    RESOURCE_OR_ERROR: (
        "Wanted someone to take ownership of the {thing}.",
        "Wanted the mistake corrected and an apology.",
        "Expected the callback that was promised.",
        "Wanted the {thing} sorted without chasing.",
    ),
    OTHER: (
        "Wanted to be listened to.",
        "Wanted a clear answer about the {thing}.",
        "Wanted the feedback passed on.",
    ),
}

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Openers by who raised it and how: keys are channels, "internal_customer", "learner", "colleague".
OPENERS: dict[str, tuple[str, ...]] = {
    "phone": (
        "Customer rang to say ",
        "Caller explained that ",
        "Customer phoned because ",
        "On the phone the customer said ",
    ),
    "email": (
        "Customer e-mailed to say ",
        "E-mail from the customer: ",
        "Customer wrote by e-mail that ",
    ),
    "in_person": ("Customer came to the desk and said ", "In store, the customer explained that "),
    "web": ("Customer used web chat to say ", "Chat message: "),
    "social": ("Customer posted on social media that ", "Public post saying "),
    "letter": ("Customer wrote to us to say ", "Letter received saying "),
    "internal": ("Customer reported that ", "Report received that "),
    "other": ("Customer told us that ", "We were told that "),
    "internal_customer": (
        "A colleague in another department reported that ",
        "Internal customer said ",
        "The branch office raised that ",
    ),
    "learner": ("I noticed that ", "While checking the queue I found that ", "I spotted that "),
    "colleague": ("A colleague noticed that ", "My colleague flagged that "),
}

WHENS = (
    "",
    "",
    "",
    " after the latest system update",
    " since last {day}",
    " for the second time this month",
    " despite an earlier call",
    " this week",
    " after they moved house",
    " over the bank holiday weekend",
    " straight after signing up",
    " {n} days ago",
)

EFFECTS: dict[str, tuple[str, ...]] = {
    EXPECTATIONS_GAP: (
        "They feel they were misled.",
        "They want the difference refunded.",
        "They said the website should make it clearer.",
        "They are thinking of switching to another company.",
    ),
    SYSTEM_FAILURE: (
        "They want the money back today.",
        "It may be affecting other customers too.",
        "They have had to ring {n} times about it.",
        "They are worried it will happen again next month.",
    ),
    RESOURCE_OR_ERROR: (
        "They want an apology and a fix.",
        "They took a day off work for nothing.",
        "They asked for a manager to call back.",
        "They said it is the second mistake this year.",
    ),
    OTHER: (
        "They were happy to leave it with us.",
        "They asked for a reply in writing.",
        "No action was asked for.",
    ),
}

SHARED_EFFECTS = (
    "They want it put right.",
    "They are out of pocket and want compensation.",
    "They have been waiting over a week for an answer.",
    "They said they will leave if it happens again.",
    "They were calm but clearly frustrated.",
    "They need confirmation in writing.",
    "There is a vulnerable person in the household.",
    "They mentioned going to the ombudsman.",
)

DETAILS = (
    "",
    "",
    "",
    " Reference given.",
    " Account notes updated.",
    " Screenshots supplied.",
    " Second contact about this.",
    " They have been a customer for {n} years.",
    " Prefers contact by e-mail.",
    " Asked for a call after 5pm.",
)

# Recurring-problem scenarios: all members of a cluster share one rendered clause.
CLUSTER_CLAUSES: dict[str, str] = {
    SYSTEM_FAILURE: "the {thing} failed with error {code} after the {campaign} upgrade at {place}",
    EXPECTATIONS_GAP: (
        "the {campaign} leaflet handed out in {place} promised the {thing} free under offer {code}"
    ),
    RESOURCE_OR_ERROR: (
        "the {place} team mislabelled the {thing} again under batch {code} in the {campaign} rollout"
    ),
    OTHER: "the {campaign} survey sent from {place} quoted reference {code} about their {thing}",
}
CLUSTER_PLACES = (
    "Swindon",
    "Wrexham",
    "Ipswich",
    "Carlisle",
    "Dundee",
    "Truro",
    "Lincoln",
    "Stockport",
    "Bangor",
    "Kendal",
    "Falkirk",
    "Hereford",
)
CLUSTER_CAMPAIGNS = (
    "Brightstart",
    "Flexifix",
    "Homewise",
    "Warmwell",
    "Swiftpay",
    "Greenlane",
    "Keystone",
    "Clearview",
    "Fairshare",
    "Snugfit",
)

PREVENTIVE_ACTIONS = (
    "Added a second check to the {thing} process",
    "Retrained the team on {thing} queries",
    "Rewrote the customer letter about the {thing}",
    "Fixed the system rule behind {thing} errors",
    "Added a checklist step before closing {thing} cases",
)

# Action notes by action kind.
RESPONDED = (
    "Apologised, listened to the full story and took ownership.",
    "Thanked the customer for raising it and explained what I would do next.",
    "Acknowledged the problem and logged the details while they were on the line.",
    "Apologised for the trouble and agreed a time to call back.",
)
KEPT_INFORMED = (
    "Rang the customer with an update on progress.",
    "E-mailed an update and a new target date.",
    "Left a voicemail explaining the delay and when to expect a reply.",
    "Texted the customer to say the fix is in hand.",
)
WORKED_WITH = (
    ("Asked the ", " to investigate and agreed a fix."),
    ("Passed the details to the ", " and chased them for an answer."),
    ("Worked with the ", " to put the account right."),
)
SOLVED_IN_AUTHORITY = (
    "Refunded the charge within my £50 limit.",
    "Rebooked the appointment for the next free slot.",
    "Corrected the account and sent written confirmation.",
    "Applied a goodwill credit within my authority.",
    "Replaced the item from stock straight away.",
)
SOLVED_BEFORE_AWARE = (
    "Spotted the error on the overnight report and corrected it before the customer noticed.",
    "Reversed the duplicate charge before it reached the customer's bank.",
    "Fixed the booking before the confirmation went out.",
    "Caught the wrong address before the letter was posted.",
)
INFORMED_AUTHORITY = (
    ("Told the ", " so the wider problem can be fixed."),
    ("Reported the pattern to the ", " at the morning huddle."),
    ("E-mailed the ", " with the details and a suggested fix."),
)
SATISFACTION_CHECKED = (
    "Called back to check the customer was happy with the outcome.",
    "Sent a short follow-up e-mail asking if everything was sorted.",
    "Checked with the customer a few days later that the fix had held.",
)
NOTES = (
    "Added a note for the next shift.",
    "Updated the case notes after checking the account history.",
    "Noted the customer's preferred contact times.",
)
CUSTOMER_WORDS: dict[int, tuple[str, ...]] = {
    1: ("Still not happy, this should never have happened.", "I'll be taking it further."),
    2: ("It's sorted but it took far too long.", "I had to chase you twice."),
    3: ("Fine, thanks.", "OK, as long as it doesn't happen again."),
    4: ("Thanks for sorting it out.", "Good, that's what I needed."),
    5: ("Really helpful, you went above and beyond.", "Brilliant, thank you so much."),
}
