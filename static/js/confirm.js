// Asks before a destructive or final step: a form or button with data-confirm="question"
// goes ahead only when the person agrees. The question stays in an HTML attribute (escaped
// by the template), never inside script text, so any translation is safe.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
