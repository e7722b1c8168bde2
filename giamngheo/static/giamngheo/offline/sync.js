/* Sending the drafts: one at a time, JSON, the session cookie and a CSRF token fetched just before.
 *
 * Every draft carries the idempotency key it was given when it was created and the case and household
 * versions it started from. The server answers 200 (written and re-classified: the server's class is shown),
 * 409 (changed on the server meanwhile: both versions are kept for the surveyor to choose), 422/400 (refused,
 * with the messages by field) — or nothing at all, when the connection drops half-way: the draft then stays
 * waiting and is sent again under the same key, which the server answers from what it stored, writing
 * nothing twice.
 */
(function () {
  "use strict";

  const WAITING = "waiting";
  const SENT = "sent";
  const REFUSED = "refused";
  const CONFLICT = "conflict";

  async function freshToken(urls) {
    const response = await fetch(urls.session, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) return null;
    if (!response.ok) throw new Error(`session ${response.status}`);
    return (await response.json()).csrf;
  }

  function body(draft) {
    return JSON.stringify({
      key: draft.key, case_version: draft.base_case_version, household_version: draft.base_household_version,
      record: draft.record, causes: draft.causes || [], wishes: draft.wishes || [], note: draft.note || "",
      date_confirmed: Boolean(draft.date_confirmed),
    });
  }

  async function readAnswer(response, messages) {
    try {
      return await response.json();
    } catch (error) {
      return { message: messages.sync_failed.replace("%(status)s", String(response.status)), errors: {} };
    }
  }

  /* Send every waiting draft; ``save`` persists the drafts after each answer. Returns a summary:
     {sent, refused, conflict, stopped: null | "offline" | "login" | "server", status}. */
  async function sendWaiting({ drafts, urls, messages, save }) {
    const summary = { sent: 0, refused: 0, conflict: 0, stopped: null, status: 0 };
    const waiting = Object.values(drafts).filter((d) => d.status === WAITING);
    if (!waiting.length) return summary;
    let token;
    try {
      token = await freshToken(urls);
    } catch (error) {
      summary.stopped = "offline";
      return summary;
    }
    if (token === null) {
      summary.stopped = "login";
      return summary;
    }
    for (const draft of waiting) {
      let response;
      try {
        response = await fetch(urls.submit.replace("/0/", `/${draft.case_id}/`), {
          method: "POST", credentials: "same-origin", body: body(draft),
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        });
      } catch (error) {
        summary.stopped = "offline"; // half-sent: this draft and the rest stay waiting, same keys
        break;
      }
      if (response.status === 401) { summary.stopped = "login"; break; }
      if (response.status === 200) {
        draft.status = SENT;
        draft.answer = await readAnswer(response, messages);
        summary.sent += 1;
      } else if (response.status === 409) {
        draft.status = CONFLICT;
        draft.answer = await readAnswer(response, messages);
        summary.conflict += 1;
      } else if (response.status === 422 || response.status === 400) {
        draft.status = REFUSED;
        draft.answer = await readAnswer(response, messages);
        summary.refused += 1;
      } else if (response.status === 404) {
        draft.status = REFUSED;
        draft.answer = { message: messages.not_found, errors: {} };
        summary.refused += 1;
      } else {
        summary.stopped = "server";
        summary.status = response.status;
        break;
      }
      draft.answered_at = new Date().toISOString();
      await save();
    }
    return summary;
  }

  globalThis.GiamngheoOfflineSync = { sendWaiting, WAITING, SENT, REFUSED, CONFLICT };
})();
