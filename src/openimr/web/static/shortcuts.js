// OpenIMR workbench keyboard shortcuts, listed on each page that has them.
// Queue: "/" search, j/k move through the cases, Enter opens one, ]/[ next/previous page.
// Case: j/k next/previous disputed item, a accept the item's proposal, e its next evidence,
// r back from the records, n next case. Keys typed into a field are never taken.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function say(text) {
    var note = document.getElementById("shortcut-note");
    if (note) note.textContent = text;
  }

  function visit(link) {
    if (link && link.href) window.location.href = link.href;
  }

  // -- the queue ----------------------------------------------------------------------------
  function queueKeys(key) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.queue-row"));
    if (key === "/") {
      var search = document.getElementById("queue-q");
      if (search) { search.focus(); search.select(); }
      return true;
    }
    if (key === "]") { visit(document.getElementById("page-next")); return true; }
    if (key === "[") { visit(document.getElementById("page-prev")); return true; }
    if ((key === "j" || key === "k") && rows.length) {
      var at = rows.findIndex(function (row) { return row.classList.contains("row-current"); });
      var next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (key === "j" ? 1 : -1)));
      rows.forEach(function (row) { row.classList.remove("row-current"); });
      rows[next].classList.add("row-current");
      var link = rows[next].querySelector("a.case-link");
      if (link) link.focus();
      rows[next].scrollIntoView({ block: "nearest" });
      return true;
    }
    return false;
  }

  // -- the case page ------------------------------------------------------------------------
  var current = -1;
  var evidenceAt = {};

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("article.item"));
  }

  function currentItem() {
    var all = items();
    if (current >= 0 && current < all.length) return all[current];
    var inside = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("article.item") : null;
    if (inside) { current = all.indexOf(inside); return inside; }
    return null;
  }

  function goToItem(index) {
    var all = items();
    if (!all.length) return;
    current = Math.min(all.length - 1, Math.max(0, index));
    all.forEach(function (item) { item.classList.remove("item-current"); });
    var item = all[current];
    item.classList.add("item-current");
    var heading = item.querySelector("h3") || item;
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start" });
    if (history.replaceState) history.replaceState(null, "", "#" + item.id);
  }

  function setField(form, name, value) {
    var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    fields.forEach(function (field) {
      if (field.type === "radio") field.checked = field.value === value;
      else field.value = value;
    });
  }

  function acceptProposal() {
    var item = currentItem();
    var data = document.getElementById("proposal-values");
    var form = document.getElementById("determination-form");
    if (!item || !data || !form) return false;
    var index = item.id.replace("item-", "");
    var values = JSON.parse(data.textContent)[index];
    if (!values) { say("Item " + (Number(index) + 1) + " has no proposal to accept."); return true; }
    Object.keys(values).forEach(function (key) {
      setField(form, "item-" + index + "-" + key, values[key]);
    });
    form.dispatchEvent(new Event("input", { bubbles: true }));
    form.dispatchEvent(new Event("change", { bubbles: true }));
    say("Item " + (Number(index) + 1) + " is set to the proposal; save the draft to keep it.");
    return true;
  }

  function nextEvidence() {
    var item = currentItem() || items()[0];
    if (!item) return false;
    current = items().indexOf(item);
    var links = item.querySelectorAll("a.ev-link");
    if (!links.length) { say("This item cites no words in the records."); return true; }
    var at = ((evidenceAt[item.id] === undefined ? -1 : evidenceAt[item.id]) + 1) % links.length;
    evidenceAt[item.id] = at;
    links[at].click();
    say("Evidence " + (at + 1) + " of " + links.length + " for this item.");
    return true;
  }

  function caseKeys(key, panel) {
    if (key === "j" || key === "k") {
      var at = current >= 0 ? current : (currentItem() ? current : -1);
      goToItem(at < 0 ? 0 : at + (key === "j" ? 1 : -1));
      return true;
    }
    if (key === "a") return acceptProposal();
    if (key === "e") return nextEvidence();
    if (key === "r") {
      var back = document.getElementById("ev-back");
      var box = document.getElementById("ev-return");
      if (back && box && !box.hidden) { back.click(); return true; }
      return false;
    }
    if (key === "n") {
      window.location.href = panel.getAttribute("data-next");
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var queue = document.querySelector('[data-shortcuts="queue"]');
    var panel = document.querySelector('[data-shortcuts="case"]');
    var done = false;
    if (queue) done = queueKeys(event.key);
    else if (panel) done = caseKeys(event.key, panel);
    if (done) event.preventDefault();
  });
})();
