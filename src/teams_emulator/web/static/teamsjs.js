/* The Teams emulator's stand-in for the TeamsJS library: the part a sign-in page uses.
   Written for the emulator (not Microsoft's code). A page in the authentication window loads it
   from the emulator, calls microsoftTeams.app.initialize(), then
   microsoftTeams.authentication.notifySuccess(result) or notifyFailure(reason). It talks only to
   the window that opened it (the emulator's page), and only at the origin this script came from;
   the page answers only the window it opened, at the origin of the sign-in URL. Opened any other
   way (a tab, a link), initialize() never resolves, as with the real library outside Teams. */
(function () {
  "use strict";
  const PROTOCOL = "teams-emulator/auth";
  const source = document.currentScript && document.currentScript.src;
  const hostOrigin = source ? new URL(source, location.href).origin : null;
  let initializing = null;
  let context = null;

  function host() {
    try {
      return window.opener && !window.opener.closed ? window.opener : null;
    } catch (error) {
      return null;
    }
  }

  function nonce() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function initialize() {
    if (initializing) return initializing;
    initializing = new Promise((resolve) => {
      const opener = host();
      if (!opener || !hostOrigin) return; // not an authentication window: wait forever
      const asked = nonce();
      window.addEventListener("message", function answered(event) {
        const data = event.data;
        if (event.source !== opener || event.origin !== hostOrigin) return;
        if (!data || data.protocol !== PROTOCOL || data.type !== "initialized") return;
        if (data.nonce !== asked) return;
        window.removeEventListener("message", answered);
        context = data.context || {};
        resolve();
      });
      opener.postMessage({ protocol: PROTOCOL, type: "initialize", nonce: asked }, hostOrigin);
    });
    return initializing;
  }

  function ensureInitialized() {
    if (context === null) throw new Error("The library has not yet been initialized");
  }

  function handBack(type, fields) {
    ensureInitialized();
    const opener = host();
    if (opener) opener.postMessage({ protocol: PROTOCOL, type, ...fields }, hostOrigin);
  }

  const authentication = {
    notifySuccess(result) {
      handBack("authentication.notifySuccess", { result: result == null ? "" : String(result) });
    },
    notifyFailure(reason) {
      handBack("authentication.notifyFailure", { reason: reason == null ? "" : String(reason) });
    },
  };

  window.microsoftTeams = {
    app: {
      initialize,
      isInitialized: () => context !== null,
      getContext() {
        ensureInitialized();
        return Promise.resolve(JSON.parse(JSON.stringify(context)));
      },
    },
    authentication,
    /* TeamsJS v1's initialize(callback). */
    initialize(callback) {
      initialize().then(() => { if (typeof callback === "function") callback(); });
    },
  };
})();
