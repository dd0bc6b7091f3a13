/* Passkeys (WebAuthn) for Microbill: sign-in (first or second factor), adding one, and a step-up.
 *
 * No inline script (the CSP forbids it): buttons say what they do with data-passkey="first" | "second" |
 * "register" | "step-up", and where to report with data-error-target / data-status-target; messages come
 * from the page (data-failed, data-unsupported) so they follow the page's language. Dash loads this file on
 * its pages by itself; the login pages load it with a <script src>. The server's JSON uses base64url for
 * every binary field; the browser API wants ArrayBuffers, so both directions are converted here.
 */
(function () {
    "use strict";

    function toBuffer(value) {
        var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
        while (base64.length % 4) { base64 += "="; }
        var raw = atob(base64), bytes = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
        return bytes.buffer;
    }

    function toBase64url(buffer) {
        var bytes = new Uint8Array(buffer), raw = "";
        for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
        return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    function post(url, body) {
        return fetch(url, {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
            body: JSON.stringify(body || {})
        }).then(function (response) {
            return response.json().catch(function () { return {}; }).then(function (data) {
                if (!response.ok) { throw new Error(data.message || ""); }
                return data;
            });
        });
    }

    function descriptors(list) {
        return (list || []).map(function (item) {
            return {type: item.type, id: toBuffer(item.id), transports: item.transports};
        });
    }

    function creationOptions(json) {
        var o = JSON.parse(json);
        o.challenge = toBuffer(o.challenge);
        o.user.id = toBuffer(o.user.id);
        o.excludeCredentials = descriptors(o.excludeCredentials);
        return o;
    }

    function requestOptions(json) {
        var o = JSON.parse(json);
        o.challenge = toBuffer(o.challenge);
        o.allowCredentials = descriptors(o.allowCredentials);
        return o;
    }

    // PublicKeyCredential as JSON (the WebAuthn "toJSON" shape py_webauthn parses); `response` is the part that
    // differs between creating a credential and using it.
    function credentialJSON(cred, response) {
        return {
            id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type,
            authenticatorAttachment: cred.authenticatorAttachment || undefined,
            clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
            response: Object.assign({clientDataJSON: toBase64url(cred.response.clientDataJSON)}, response)
        };
    }

    function attestationJSON(cred) {
        var r = cred.response;
        return credentialJSON(cred, {attestationObject: toBase64url(r.attestationObject),
                                     transports: r.getTransports ? r.getTransports() : []});
    }

    function assertionJSON(cred) {
        var r = cred.response;
        return credentialJSON(cred, {authenticatorData: toBase64url(r.authenticatorData),
                                     signature: toBase64url(r.signature),
                                     userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined});
    }

    function nextPath() {
        return new URLSearchParams(window.location.search).get("next") || "/";
    }

    function say(button, attribute, text, ok) {
        var target = document.getElementById(button.getAttribute(attribute) || "");
        if (!target) { return; }
        target.textContent = text;
        target.classList.remove("d-none");
        target.classList.toggle("text-success", !!ok);
    }

    function signIn(mode) {
        return post("/login/passkey/options", {mode: mode}).then(function (data) {
            return navigator.credentials.get({publicKey: requestOptions(data.options)});
        }).then(function (cred) {
            var remember = document.getElementById("remember");
            return post("/login/passkey/verify", {credential: assertionJSON(cred), mode: mode, next: nextPath(),
                                                  remember: !!(remember && remember.checked)});
        }).then(function (data) { window.location.assign(data.next || "/"); });
    }

    function valueOf(button, attribute) {
        var input = document.getElementById(button.getAttribute(attribute) || "");
        return input ? input.value : "";
    }

    function register(button) {
        // Adding a way to sign in needs the password (and the current factor): a stolen session cannot.
        var asked = {password: valueOf(button, "data-password-input"), code: valueOf(button, "data-code-input")};
        return post("/account/passkeys/options", asked).then(function (data) {
            return navigator.credentials.create({publicKey: creationOptions(data.options)});
        }).then(function (cred) {
            return post("/account/passkeys", {credential: attestationJSON(cred),
                                              name: valueOf(button, "data-name-input")});
        }).then(function () { window.location.reload(); });
    }

    function stepUp(button) {
        return post("/account/passkeys/step-up/options").then(function (data) {
            return navigator.credentials.get({publicKey: requestOptions(data.options)});
        }).then(function (cred) {
            return post("/account/passkeys/step-up", {credential: assertionJSON(cred)});
        }).then(function (data) { say(button, "data-status-target", data.message || "", true); });
    }

    var ACTIONS = {
        first: function () { return signIn("first"); },
        second: function () { return signIn("second"); },
        register: register,
        "step-up": stepUp
    };

    document.addEventListener("click", function (event) {
        var button = event.target.closest ? event.target.closest("[data-passkey]") : null;
        var action = button && ACTIONS[button.getAttribute("data-passkey")];
        if (!action) { return; }
        event.preventDefault();
        var target = button.getAttribute("data-error-target") ? "data-error-target" : "data-status-target";
        if (!window.PublicKeyCredential || !navigator.credentials) {
            say(button, target, button.getAttribute("data-unsupported") || "", false);
            return;
        }
        button.disabled = true;
        action(button).catch(function (error) {
            // Our server's words (an Error with a message), else the page's: the browser's are English only.
            var ours = error && error.name === "Error" && error.message;
            say(button, target, ours || button.getAttribute("data-failed") || "", false);
        }).then(function () { button.disabled = false; });
    });
}());
