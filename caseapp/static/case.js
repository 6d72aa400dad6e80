// Case page: conditional form parts and draft autosave. The page works without this
// script too (every part is shown; "Save draft" posts the form).
(function () {
  "use strict";

  // data-show-when="field:value|value2" or "field:>0" (numeric comparison)
  function conditionHolds(form, condition) {
    const [name, expected] = condition.split(":");
    const control = form.elements[name];
    if (!control) return true;
    const value = control.value;
    return expected.split("|").some(function (wanted) {
      return wanted.startsWith(">") ? Number(value) > Number(wanted.slice(1)) : value === wanted;
    });
  }

  function updateConditionalParts(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (input) {
      const wrapper = input.closest(".field") || input;
      wrapper.hidden = !conditionHolds(form, input.dataset.showWhen);
    });
  }

  const texts = document.getElementById("autosave-messages");

  // A refused save says so where the buttons are (an alert, read out at once) and keeps
  // the input; a 409 (someone else holds the step, or it moved on) also stops autosaving.
  function Refused(message, final) {
    this.message = message;
    this.final = final;
  }

  function enableAutosave(form) {
    const url = form.dataset.autosave + "?autosave=1";
    const status = form.querySelector(".autosave-status");
    const failure = form.querySelector(".autosave-error");
    let timer = null;
    let dirty = false;
    let stopped = false;

    function refusal(response) {
      if (response.type === "opaqueredirect") return new Refused(texts.dataset.failed, false);
      if (response.status === 409) return new Refused(texts.dataset.conflict, true);
      return response.json().then(function (body) {
        return new Refused(body.message ? body.message + " " + texts.dataset.kept
          : texts.dataset.kept, false);
      }, function () { return new Refused(texts.dataset.kept, false); });
    }

    function save() {
      timer = null;
      if (!dirty || stopped) return;
      dirty = false;
      fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                  redirect: "manual"})
        .then(function (response) {
          if (!response.ok) {
            return Promise.resolve(refusal(response)).then(function (refused) {
              throw refused;
            });
          }
          return response.json().then(function (body) {
            failure.textContent = "";
            status.textContent = texts.dataset.saved.replace("{time}", body.saved_at);
            document.dispatchEvent(new Event("ankommen:saved"));  // the session was used
          });
        })
        .catch(function (error) {
          const refused = error instanceof Refused ? error : new Refused(texts.dataset.kept, false);
          dirty = true;
          stopped = refused.final;
          status.textContent = "";
          failure.textContent = refused.message;
        });
    }

    function changed() {
      if (stopped) return;
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 2000);
    }

    function saveOnLeave() {
      if (dirty && !stopped) {
        dirty = false;
        navigator.sendBeacon(url, new FormData(form));
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") saveOnLeave();
    });
    window.addEventListener("pagehide", saveOnLeave);
  }

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    updateConditionalParts(form);
    form.addEventListener("input", function () { updateConditionalParts(form); });
    form.addEventListener("change", function () { updateConditionalParts(form); });
    enableAutosave(form);
  });
})();
