// Officer workspace: "select all" on the list and showing only the bulk fields of the chosen action.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  var action = document.querySelector('#bulk select[name="action"]');
  function showFields() {
    document.querySelectorAll("[data-bulk]").forEach(function (el) {
      el.hidden = el.getAttribute("data-bulk") !== action.value;
    });
  }
  if (action) { action.addEventListener("change", showFields); showFields(); }
})();
