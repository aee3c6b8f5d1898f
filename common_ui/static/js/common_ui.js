/* common_ui.js: small progressive enhancements shared by every portal.
 * No dependencies; every page works without it. Loaded with `defer`.
 *  - data-confirm on a form or submit button asks confirm(message) first,
 *    for plain submits and for htmx requests alike;
 *  - aria-busy on the element an htmx request will update, while it runs;
 *  - 422 responses to htmx requests are swapped in (form with errors);
 *  - the error summary of a re-rendered form receives focus.
 */
(function () {
  "use strict";

  // Lets the CSS tell "JS is running" (e.g. to show chart canvases) from no-JS.
  document.documentElement.classList.add("js");

  function confirmMessage(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) {
      return submitter.getAttribute("data-confirm");
    }
    if (form && form.hasAttribute("data-confirm")) {
      return form.getAttribute("data-confirm");
    }
    return null;
  }

  // Plain (non-htmx) submits. htmx prevents the default of the submits it
  // handles before this document-level listener runs; those are confirmed
  // in the htmx:confirm handler below instead, so they are not asked twice.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var message = confirmMessage(event.target, event.submitter);
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // htmx requests: fired before every request htmx issues.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    var elt = detail.elt;
    var trigger = detail.triggeringEvent;
    var message = confirmMessage(
      elt.closest ? elt.closest("[data-confirm]") : null,
      trigger && trigger.submitter
    );
    if (!message) return;
    event.preventDefault();
    if (window.confirm(message)) {
      detail.issueRequest(true); // true: skip htmx's own hx-confirm prompt
    }
  });

  // aria-busy on the region being updated so screen readers wait for it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });

  // Views answer an invalid htmx form post with the form partial and 422;
  // htmx 2 does not swap 4xx bodies unless told to.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    focusErrorSummary(event.detail.elt);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
  } else {
    focusErrorSummary(document);
  }
})();
