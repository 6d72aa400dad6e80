// The warning before the idle limit ends a session (WCAG 2.2.1, timing adjustable): two
// minutes before (half the limit if it is shorter), a dialog offers to stay logged in with
// one button; an autosave of the case page counts as activity too. Without this script the
// limit still holds; the page only cannot warn.
"use strict";

(function () {
  const body = document.body;
  const idle = Number(body.dataset.sessionIdle) * 1000;
  const dialog = document.getElementById("session-warning");
  if (!idle || !dialog || typeof dialog.showModal !== "function") return;
  const stay = document.getElementById("session-stay");
  const login = document.getElementById("session-login");
  const text = document.getElementById("session-warning-text");
  const warnBefore = Math.min(120 * 1000, idle / 2);
  let timer = null;

  function arm() {
    clearTimeout(timer);
    timer = setTimeout(warn, idle - warnBefore);
  }

  function warn() {
    if (!dialog.open) dialog.showModal();
    stay.focus();
  }

  function ended() {
    text.textContent = text.dataset.ended;
    stay.hidden = true;
    login.hidden = false;
    login.focus();
  }

  stay.addEventListener("click", function () {
    fetch(body.dataset.sessionAlive, {credentials: "same-origin", redirect: "manual"})
      .then(function (response) {
        if (response.status !== 204) return ended();
        dialog.close();
        arm();
      })
      .catch(ended);
  });
  document.addEventListener("ankommen:saved", arm);
  arm();
})();
