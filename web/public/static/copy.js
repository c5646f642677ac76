// Kith public pages: the "Copy address" buttons. Progressive enhancement:
// without this script the address is plain, selectable text and the
// buttons stay hidden.
(function () {
  "use strict";
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          say(button, "Copied");
        }, function () {
          selectText(target);
          say(button, "Selected: press Ctrl+C or ⌘C to copy");
        });
      } else {
        selectText(target);
        say(button, "Selected: press Ctrl+C or ⌘C to copy");
      }
    });
  });
})();
