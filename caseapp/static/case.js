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

  function enableAutosave(form) {
    const url = form.dataset.autosave + "?autosave=1";
    const status = form.querySelector(".autosave-status");
    let timer = null;
    let dirty = false;

    function save() {
      timer = null;
      if (!dirty) return;
      dirty = false;
      fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                  redirect: "manual"})
        .then(function (response) {
          if (response.type === "opaqueredirect") throw new Error("logged out");
          return response.json().then(function (body) {
            if (!response.ok) throw new Error(body.message);
            status.textContent = texts.dataset.saved.replace("{time}", body.saved_at);
          });
        })
        .catch(function (error) {
          dirty = true;
          status.textContent = error.message && error.message !== "logged out"
            ? error.message : texts.dataset.failed;
        });
    }

    function changed() {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, 2000);
    }

    function saveOnLeave() {
      if (dirty) {
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
