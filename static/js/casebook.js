/* Casebook: small progressive enhancements; every page works without this file.
   No inline scripts or handlers anywhere in the templates (Content Security Policy). */
(function () {
  "use strict";

  // <form data-confirm="Delete this action?"> or <button data-confirm="..."> asks first.
  // (Elements driven by htmx use htmx's own hx-confirm instead.)
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var message =
        (submitter && submitter.getAttribute("data-confirm")) ||
        form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
      }
    },
    true
  );

  // <a href="..." data-confirm="..."> asks before following the link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-confirm]") : null;
    if (link && !window.confirm(link.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // After a failed submit, focus the error summary (templates/includes/form_errors.html) so
  // screen-reader and keyboard users start from the list of what to fix.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".cb-error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
