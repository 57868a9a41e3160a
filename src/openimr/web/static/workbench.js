// OpenIMR reviewer workbench: small enhancements over pages that work without scripts.
// - evidence links scroll the records pane to the cited words, highlight and focus them;
// - unsaved edits are marked, signing waits for them to be saved, leaving the page warns;
// - an error or conflict message takes the focus so that it is read first.
(function () {
  "use strict";

  var lastLink = null;

  function spansOf(id) {
    return document.querySelectorAll('mark.ev[data-spans~="' + CSS.escape(id) + '"]');
  }

  function showEvidence(id, link) {
    var target = document.getElementById(id);
    if (!target) return false;
    document.querySelectorAll("mark.ev-active").forEach(function (m) {
      m.classList.remove("ev-active");
    });
    spansOf(id).forEach(function (m) { m.classList.add("ev-active"); });
    var node = target.parentElement;
    while (node) {
      if (node.tagName === "DETAILS") node.open = true;
      node = node.parentElement;
    }
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var pane = document.getElementById("records-scroll");
    var side = document.getElementById("records");
    if (pane && side && getComputedStyle(side).position === "sticky" && pane.contains(target)) {
      // Side by side: move only the records, so the criterion being read stays in place.
      var offset = target.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      pane.scrollTo({
        top: pane.scrollTop + offset - pane.clientHeight / 3,
        behavior: reduce ? "auto" : "smooth"
      });
    } else {
      target.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    }
    target.focus({ preventScroll: true });
    if (history.replaceState) history.replaceState(null, "", "#" + id);
    lastLink = link || null;
    var back = document.getElementById("ev-return");
    if (back) back.hidden = !lastLink;
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.ev-link");
    if (!link) return;
    var id = link.getAttribute("data-ev");
    if (id && showEvidence(id, link)) event.preventDefault();
  });

  var backButton = document.getElementById("ev-back");
  if (backButton) {
    backButton.addEventListener("click", function () {
      if (!lastLink) return;
      lastLink.scrollIntoView({ block: "center" });
      lastLink.focus();
      document.getElementById("ev-return").hidden = true;
    });
  }

  // A page opened at #ev-... (a shared link, or the no-script jump) highlights its span.
  if (location.hash && location.hash.indexOf("#ev-") === 0) {
    showEvidence(decodeURIComponent(location.hash.slice(1)), null);
  }

  // -- unsaved edits ----------------------------------------------------------------------
  var form = document.getElementById("determination-form");
  var dirty = false;

  function fieldChanged(el) {
    if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].selected !== el.options[i].defaultSelected) return true;
      }
      return false;
    }
    return el.value !== el.defaultValue;
  }

  function refresh() {
    if (!form) return;
    var count = 0;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") return;
      var changed = fieldChanged(el);
      if (el.type !== "radio") el.classList.toggle("is-changed", changed);
      if (changed) count++;
    });
    dirty = count > 0;
    var note = document.getElementById("dirty-note");
    if (note) note.textContent = dirty ? "Unsaved changes" : "";
    var sign = document.getElementById("sign-button");
    var hint = document.getElementById("sign-hint");
    if (sign && !sign.hasAttribute("data-locked")) {
      sign.disabled = dirty;
      if (hint) {
        hint.textContent = dirty
          ? "Save the draft first: you sign a saved version."
          : "Signing freezes the determination and makes the letter.";
      }
    }
  }

  if (form) {
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    refresh();
  }

  var alertBox = document.getElementById("conflict") || document.getElementById("page-error");
  if (alertBox) alertBox.focus();
})();
