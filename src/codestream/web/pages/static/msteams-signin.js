// The sign-in page, after the teams are picked: inside Teams' authentication window, hand the
// one-time code back to Teams, which delivers it to the bot as a `signin/verifyState` invoke
// from the Teams user who asked. Anywhere else, nothing happens and the code stays on screen.
(function () {
  "use strict";
  var INIT_TIMEOUT_MS = 3000; // outside Teams, app.initialize() never settles

  function within(ms, promise) {
    return Promise.race([
      promise,
      new Promise(function (_resolve, reject) {
        setTimeout(function () { reject(new Error("not inside Teams")); }, ms);
      }),
    ]);
  }

  async function handBack() {
    var shown = document.getElementById("signin-code");
    var teams = window.microsoftTeams;
    if (!shown || !teams || !teams.app || !teams.authentication) {
      return;
    }
    try {
      await within(INIT_TIMEOUT_MS, teams.app.initialize());
    } catch (notInTeams) {
      return;
    }
    var status = document.getElementById("teams-handback");
    if (status) {
      status.hidden = false;
    }
    teams.authentication.notifySuccess(shown.textContent.trim());
  }

  handBack();
})();
