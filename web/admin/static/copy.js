// Kith admin: the "Copy handle" button. Progressive enhancement: without
// this script the handle is a read-only field to select and copy, and the
// button stays hidden.
(function () {
  "use strict";
  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }
  function selectIt(button, field) {
    field.focus();
    field.select();
    say(button, "Selected: press Ctrl+C or ⌘C to copy");
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say(button, "Copied " + field.value);
        }, function () {
          selectIt(button, field);
        });
      } else {
        selectIt(button, field);
      }
    });
  });
})();
