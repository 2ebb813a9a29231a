// Keyboard for the quiz, Anki-style.  Everything also works with the mouse and without JavaScript.
//   Space / Enter  show the answer, or submit the focused / suggested grade or choice
//   0-5            grade the card (once the answer shows)
//   1-4            pick an option of a multiple-choice card
//   u              undo the last grade        e  the card's source and history
//   Esc            end the session
(function () {
  "use strict";

  function $(selector) { return document.querySelector(selector); }

  function submitButton(button) {
    if (!button) return false;
    if (button.form && button.form.requestSubmit) button.form.requestSubmit(button);
    else button.click();
    return true;
  }

  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var page = document.body.dataset.page;
    var key = event.key;

    if (key === "Escape") {
      var end = $("#end-form button");
      if (end && (page === "card" || page === "done")) { event.preventDefault(); submitButton(end); }
      return;
    }
    if (typing(event.target)) return;  // Enter in the answer box submits its own form
    if (page !== "card" && page !== "done") return;

    var grades = $("#grade-form");
    if (key === "u") { event.preventDefault(); submitButton($("#undo-form button")); return; }
    if (key === "e") {
      var source = $("#source-link");
      if (source) { event.preventDefault(); window.location.href = source.href; }
      return;
    }
    if (grades && /^[0-5]$/.test(key)) {
      event.preventDefault();
      submitButton(grades.querySelector('[data-grade="' + key + '"]'));
      return;
    }
    var choices = $("#choice-form");
    if (choices && /^[1-9]$/.test(key)) {
      event.preventDefault();
      submitButton(choices.querySelector('[data-key="' + key + '"]'));
      return;
    }
    if (key === " " || key === "Enter") {
      var focused = document.activeElement;
      if (focused && focused.tagName === "BUTTON" && focused.form) { event.preventDefault(); submitButton(focused); return; }
      var show = $("#show-answer");
      if (show) { event.preventDefault(); window.location.href = show.href; return; }
      if (grades) {
        event.preventDefault();
        submitButton(grades.querySelector(".suggested") || grades.querySelector('[data-grade="4"]'));
      }
    }
  });

  // Put the cursor in the answer box, and keep the suggested grade in reach of Enter.
  document.addEventListener("DOMContentLoaded", function () {
    var typed = $("#typed");
    if (typed) typed.focus();
    var suggested = $("#grade-form .suggested");
    if (suggested) suggested.focus();
  });
})();
