// A coach's calibration: each skill saves as it changes (htmx); this says when a save is
// on its way or failed, and warns before leaving the page with a level not saved.
(function () {
  "use strict";

  var SELECTOR = ".calibration-table select[hx-post]";

  function statusFor(element) {
    if (!element || !element.matches || !element.matches(SELECTOR)) return null;
    return document.querySelector(element.getAttribute("hx-target"));
  }

  function show(status, className, state, text) {
    status.innerHTML = "";
    var message = document.createElement("span");
    message.className = className;
    message.dataset.state = state;
    message.textContent = text;
    status.appendChild(message);
  }

  function failureText(event) {
    if (event.type === "htmx:sendError") {
      return "Not saved: no connection. Choose the level again, or press Save calibration.";
    }
    var code = event.detail.xhr.status;
    if (code === 404) return "Not saved: this report is no longer shared with you.";
    if (code === 403) return "Not saved: your session has ended. Reload the page and log in.";
    return "Not saved: something went wrong. Please try again.";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var status = statusFor(event.detail.elt);
    if (status) show(status, "text-body-secondary", "saving", "Saving…");
  });
  document.addEventListener("htmx:sendError", function (event) {
    var status = statusFor(event.detail.elt);
    if (status) show(status, "text-danger", "failed", failureText(event));
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = statusFor(event.detail.elt);
    // 422 is a refusal in words, swapped in by the response itself.
    if (status && event.detail.xhr.status !== 422) {
      show(status, "text-danger", "failed", failureText(event));
    }
  });
  // The form's button saves every level: leaving through it loses nothing.
  var submitting = false;
  document.addEventListener("submit", function (event) {
    if (event.target.querySelector && event.target.querySelector(".calibration-table")) {
      submitting = true;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) return;
    var pending = document.querySelector(
      ".calibration-table [data-state=saving], .calibration-table [data-state=failed]"
    );
    if (pending) event.preventDefault();
  });
})();
