/* Teams' side of the bot authentication flow, for the emulator's page; app.js makes one with
   window.EmulatorAuthWindow({api, toast, refresh, status, currentUser}).

   A sign-in action opens its URL in a popup window (one at a time). The page there loads the
   emulator's TeamsJS stand-in (teamsjs.js), which asks this page to initialize and then hands back
   notifySuccess(result) or notifyFailure(reason). Only the window this page opened, at the sign-in
   URL's origin, is answered. On success the window is closed and the server sends the bot a
   signin/verifyState invoke from the user who clicked, in the card's conversation; a failure, or a
   window closed by the user, sends nothing (signin/failure is Teams' SSO token exchange only).
   A Universal Actions sign-in (a loginRequest answer) passes its own handBack(result): Teams then
   re-sends the card's adaptiveCard/action invoke with value.state = result instead. */
(function () {
  "use strict";
  const AUTH_PROTOCOL = "teams-emulator/auth";

  window.EmulatorAuthWindow = function (page) {
    let signin = null;

    function signinStatus(text, kind) {
      const node = page.status;
      node.textContent = text;
      node.className = "signin-status" + (kind ? " " + kind : "");
      node.hidden = !text;
    }

    function authWindowFeatures(url) {
      // Like Teams: width and height query parameters size the window, capped by the main window.
      const wanted = (name, fallback) => Number(url.searchParams.get(name)) || fallback;
      const width = Math.min(wanted("width", 600), Math.round(window.outerWidth * 0.85) || 600);
      const height = Math.min(wanted("height", 535), Math.round(window.outerHeight * 0.85) || 535);
      const left = Math.round(window.screenX + (window.outerWidth - width) / 2);
      const top = Math.round(window.screenY + (window.outerHeight - height) / 2);
      return `popup,width=${width},height=${height},left=${left},top=${top}`;
    }

    function authContext(user, conversation) {
      const context = {
        app: { locale: user.locale, theme: "default", host: { name: "Teams", clientType: "web" } },
        page: { id: "", frameContext: "authentication" },
        user: {
          id: user.aadObjectId, displayName: user.name, loginHint: user.email,
          userPrincipalName: user.email, tenant: { id: conversation.tenantId },
        },
      };
      if (conversation.team) context.team = { internalId: conversation.team.id, displayName: conversation.team.name };
      return context;
    }

    function startSignin(conversation, message, rawUrl, handBack) {
      let url = null;
      try { url = new URL(rawUrl); } catch (error) { url = null; }
      if (!url || !/^https?:$/.test(url.protocol)) return page.toast(`Sign-in: not a web address: ${rawUrl}`, true);
      const user = page.currentUser();
      if (!user) return page.toast("Sign-in: pick who you are first", true);
      endSignin();
      const popup = window.open(url.href, "teams-emulator-auth", authWindowFeatures(url));
      if (!popup) return page.toast("Sign-in: the browser blocked the sign-in window", true);
      signin = {
        popup, origin: url.origin, conversationId: conversation.id, messageId: message.id,
        user, context: authContext(user, conversation), handBack,
      };
      signin.watch = setInterval(() => {
        if (signin && signin.popup.closed) {
          endSignin();
          signinStatus("The sign-in window was closed; nothing was sent to the bot.");
        }
      }, 250);
      signinStatus(`Signing in… ${user.name} is in the sign-in window.`, "busy");
      markSigninButtons();
    }

    function endSignin() {
      if (!signin) return;
      clearInterval(signin.watch);
      if (!signin.popup.closed) signin.popup.close();
      signin = null;
      markSigninButtons();
    }

    function markSigninButtons() {
      for (const button of document.querySelectorAll(".ac-signin")) {
        const holder = button.closest("[data-message-id]");
        const busy = Boolean(signin && holder && holder.dataset.messageId === signin.messageId);
        button.disabled = busy;
        button.textContent = busy ? "Signing in…" : button.dataset.title;
      }
    }

    function signinOutcome(result) {
      if (result.error && !result.delivered) return signinStatus(`Sign-in: ${result.error}`, "error");
      if (result.status === 0) return signinStatus(`Sign-in: the bot is unreachable (${result.error})`, "error");
      if (result.status !== 200) {
        return signinStatus(`Sign-in failed: the bot answered ${result.status} to signin/verifyState.`, "error");
      }
      signinStatus("Signed in: the bot accepted signin/verifyState.", "ok");
    }

    window.addEventListener("message", async (event) => {
      const current = signin;
      const data = event.data;
      if (!current || event.source !== current.popup || event.origin !== current.origin) return;
      if (!data || typeof data !== "object" || data.protocol !== AUTH_PROTOCOL) return;
      if (data.type === "initialize") {
        current.popup.postMessage({
          protocol: AUTH_PROTOCOL, type: "initialized", nonce: data.nonce, context: current.context,
        }, current.origin);
      } else if (data.type === "authentication.notifySuccess") {
        endSignin();
        signinStatus("Signing in… handing the result to the bot.", "busy");
        if (current.handBack) {
          const outcome = await current.handBack(String(data.result), current.user);
          signinStatus(outcome.text, outcome.kind);
          page.refresh();
          return;
        }
        const result = await page.api("/_emulator/ui/signin", {
          conversationId: current.conversationId, messageId: current.messageId,
          userId: current.user.id, state: String(data.result),
        });
        signinOutcome(result);
        page.refresh();
      } else if (data.type === "authentication.notifyFailure") {
        endSignin();
        signinStatus(`Sign-in failed: ${data.reason || "no reason given"}. Nothing was sent to the bot.`, "error");
      }
    });

    return { start: startSignin, markButtons: markSigninButtons };
  };
})();
