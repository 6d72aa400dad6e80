// Runs axe-core (loaded just before this script) in a page of the browser tests.
// window.__axeCheck() checks the document as it is now. In a page whose context reports
// through the binding __axeReport (tests/accessibility.py), every top-level HTML document
// also announces itself and is checked once: when it has loaded, or as it is left if that
// comes first (the browser runs beforeunload before it leaves a page, unless the page is
// closed or left within moments of its start).
(() => {
  const OPTIONS = __AXE_OPTIONS__;

  window.__axeCheck = function () {
    // axe-core defers each rule with setTimeout(fn, 0) to keep the page responsive. During
    // a check those deferrals run as microtasks instead, so the whole check finishes within
    // the browser task that started it: no input, navigation or page timer can come between
    // the page and its check, and a page left right after it loaded has been checked.
    // Timers with a delay (axe's time limits) stay real timers.
    const realSetTimeout = window.setTimeout;
    window.setTimeout = function (callback, delay, ...args) {
      if (delay) return realSetTimeout.call(window, callback, delay, ...args);
      queueMicrotask(() => callback(...args));
      return 0;
    };
    let run;
    try {
      run = axe.run(document, OPTIONS);
    } catch (error) {
      window.setTimeout = realSetTimeout;
      throw error;
    }
    return run
      .finally(() => { window.setTimeout = realSetTimeout; })
      .then(results => ({
        url: location.href,
        violations: results.violations.map(rule => ({
          rule: rule.id, impact: rule.impact, help: rule.help,
          targets: rule.nodes.map(node => node.target.join(" ")),
        })),
      }));
  };

  const report = window.__axeReport;
  if (typeof report !== "function" || window.top !== window
      || !/^https?:$/.test(location.protocol) || document.contentType !== "text/html") return;
  const documentId = `${performance.timeOrigin}-${Math.random()}`;
  report({document: documentId, event: "created", url: location.href});
  let checked = false;
  function checkOnce(event) {
    if (checked) return;
    checked = true;
    window.__axeCheck().then(
      result => report({document: documentId, event: event.type, ...result}),
      error => report({document: documentId, event: event.type, url: location.href,
                       error: String(error)}));
  }
  window.addEventListener("load", checkOnce);
  window.addEventListener("beforeunload", checkOnce);
})();
