// Behaviour shared by every page. Scripts live in static files only: the
// Content-Security-Policy allows no inline script and no inline event handler.
(function () {
  "use strict";

  function cookie(name) {
    var prefix = name + "=";
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.indexOf(prefix) === 0) return decodeURIComponent(part.slice(prefix.length));
    }
    return null;
  }

  // htmx sends the CSRF token from the cookie, so pages need not carry it (a page with no
  // form sets no cookie and can be cached). A page whose form rendered {% csrf_token %} has
  // the cookie too; its hidden field is the fallback.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb === "get") return;
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    var token = cookie("csrftoken") || (field && field.value);
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  // <button data-print>: the browser's print dialog (the report has a print stylesheet).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // <form data-submit-once>: a double click sends one submission; the server also treats
  // a second one as a no-op.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
})();
