// The allocation form: the sum (counts) or the household-weighted average (rates) of the values typed, live.
// The server checks again on save; this only shows the officer where the allocation stands while typing.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("allocate-form");
  if (!form) { return; }
  var out = document.getElementById("allocation-total");
  var sums = form.dataset.sums === "1";
  function update() {
    var total = 0, weight = 0, weighted = 0;
    form.querySelectorAll("input[data-allocation]").forEach(function (input) {
      var v = parseFloat((input.value || "").replace(",", "."));
      if (isNaN(v)) { return; }
      var w = parseFloat(input.closest("tr").querySelector("[data-weight]").dataset.weight || "0");
      total += v; weight += w; weighted += v * w;
    });
    var shown = sums ? total : (weight ? weighted / weight : NaN);
    out.textContent = isNaN(shown) ? "–" : shown.toLocaleString("vi-VN", {maximumFractionDigits: 2});
  }
  form.addEventListener("input", update);
  update();
});
