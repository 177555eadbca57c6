// The questionnaire: return to the last question answered, and say so when a save fails.
(function () {
  "use strict";

  function resume() {
    var form = document.getElementById("questionnaire");
    if (!form || window.location.hash) return;
    var target = form.dataset.resume && document.getElementById(form.dataset.resume);
    if (target) target.scrollIntoView({ block: "center", behavior: "instant" });
  }

  function statusFor(element) {
    var id = element && element.getAttribute("hx-target");
    return id ? document.querySelector(id) : null;
  }

  function showFailure(event) {
    var status = statusFor(event.detail.elt);
    if (!status) return;
    status.innerHTML = "";
    var message = document.createElement("span");
    message.className = "text-danger";
    message.dataset.state = "failed";
    message.textContent = event.type === "htmx:sendError"
      ? "Not saved: no connection. Your answer will be saved when you change it again or press Save answers."
      : "Not saved: something went wrong. Please try again.";
    status.appendChild(message);
  }

  function showSaving(event) {
    var status = statusFor(event.detail.elt);
    if (status) status.innerHTML = '<span class="text-body-secondary" data-state="saving">Saving…</span>';
  }

  document.addEventListener("DOMContentLoaded", resume);
  document.addEventListener("htmx:beforeRequest", showSaving);
  document.addEventListener("htmx:sendError", showFailure);
  document.addEventListener("htmx:responseError", function (event) {
    var code = event.detail.xhr.status;
    if (code !== 409 && code !== 422) showFailure(event);
  });
})();
