// Copy buttons: every field marked data-copy gets a button that copies its
// value. Without JavaScript there is no button and the field stays
// selectable; the button's words come from the page (data-copy and
// data-copied), in the reader's language.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy secondary";
    button.textContent = field.getAttribute("data-copy");
    button.setAttribute("aria-controls", field.id);
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "muted";
    button.addEventListener("click", function () {
      var done = function () { status.textContent = " " + field.getAttribute("data-copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); document.execCommand("copy"); done(); });
      } else {
        field.select();
        document.execCommand("copy");
        done();
      }
    });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  });
})();
