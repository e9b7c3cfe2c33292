"""The element records and the knowledge record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portfolio import selectors, services
from portfolio.forms import ElementRecordForm, KnowledgeFeedbackForm
from portfolio.models import Enrolment
from portfolio.views.common import sign_and_return

# Element and knowledge records --------------------------------------------------------------


@login_required
def records_home(request: HttpRequest) -> HttpResponse:
    """The learner's own element records and knowledge record."""
    return _records_page(request, selectors.enrolment_for_learner(user=request.user))


@login_required
def records_for_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """A learner's records, read (and signed) by them, their assessor and their IV."""
    return _records_page(request, selectors.enrolment_for_reader(user=request.user, pk=pk))


def _records_page(
    request: HttpRequest, enrolment: Enrolment, *, knowledge_form=None, status: int = 200
) -> HttpResponse:
    knowledge = selectors.knowledge_record_state(enrolment=enrolment)
    return render(
        request,
        "portfolio/records.html",
        {
            "enrolment": enrolment,
            "is_owner": enrolment.learner_id == request.user.pk,
            "is_assessor": enrolment.assessor_id == request.user.pk,
            "rows": selectors.element_records(enrolment=enrolment),
            "knowledge": knowledge,
            "knowledge_form": knowledge_form
            or KnowledgeFeedbackForm(initial={"feedback": knowledge.feedback}),
            "form": ElementRecordForm(),
            "reauth_fresh": services.reauth_is_fresh(
                at=services.reauth_at(session=request.session)
            ),
        },
        status=status,
    )


def _sign(request: HttpRequest, enrolment: Enrolment, sign, done: str) -> HttpResponse:
    return sign_and_return(
        request,
        sign,
        back=reverse("portfolio:enrolment-records", args=[enrolment.pk]),
        done=lambda _: done,
    )


@login_required
@require_POST
def element_record_sign(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    element = selectors.element_for_enrolment(enrolment=enrolment, number=number)
    form = ElementRecordForm(request.POST)
    if not form.is_valid():
        # Refused before signing: a value the form refuses (a NUL byte, say) must not be
        # dropped silently while the signature goes ahead without it.
        messages.error(
            request,
            "Nothing was signed. "
            + " ".join(
                f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
            ),
        )
        return redirect("portfolio:enrolment-records", pk=enrolment.pk)
    data = form.cleaned_data
    return _sign(
        request,
        enrolment,
        lambda **kw: services.element_record_sign(
            enrolment=enrolment, element=element, by=request.user, **data, **kw
        ),
        f"The element {element.number} record is signed: "
        f"{enrolment.learner.display_name} can now countersign it.",
    )


@login_required
@require_POST
def element_record_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.element_record_for_reader(user=request.user, pk=pk)
    return _sign(
        request,
        record.enrolment,
        lambda **kw: services.element_record_countersign(record=record, by=request.user, **kw),
        f"You have countersigned the element {record.element.number} record. It is locked.",
    )


@login_required
@require_POST
def knowledge_record_sign(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    return _sign(
        request,
        enrolment,
        lambda **kw: services.knowledge_record_sign(enrolment=enrolment, by=request.user, **kw),
        "You have signed the knowledge record.",
    )


@login_required
@require_POST
def knowledge_record_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessor writes their feedback on the knowledge record, before it is signed."""
    enrolment = selectors.enrolment_for_reader(user=request.user, pk=pk)
    form = KnowledgeFeedbackForm(request.POST)
    if not form.is_valid():
        return _records_page(request, enrolment, knowledge_form=form, status=400)
    try:
        services.knowledge_record_feedback_save(
            enrolment=enrolment, by=request.user, feedback=form.cleaned_data["feedback"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Your feedback is saved: {enrolment.learner.display_name} can sign the knowledge "
            "record once every item is covered.",
        )
    return redirect("portfolio:enrolment-records", pk=enrolment.pk)
