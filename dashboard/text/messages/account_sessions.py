"""Sessions, API tokens and the login's per-account throttle (the account page's two cards, the login form)."""

MESSAGES = {
    # the login form
    "sessions.remember": ("로그인 상태 유지 ({days}일)", "Keep me signed in ({days} days)"),
    "sessions.login_code": ("인증 앱 코드 또는 복구 코드", "Authenticator or recovery code"),
    "sessions.login_locked": (
        "이 계정에 로그인 실패가 너무 많아 처음 보는 기기에서의 로그인을 잠시 막았습니다. {minutes}분 뒤에 다시 "
        "시도하세요. 본인이라면 전에 로그인한 기기를 쓰거나, 비밀번호와 인증 앱 코드를 함께 입력하면 바로 들어갈 수 "
        "있습니다.",
        "Too many failed sign-ins on this account: sign-ins from new devices are paused. Try again in {minutes} "
        "minutes. If this is your account, use a device you signed in on before, or enter your password together "
        "with an authenticator code to get in now.",
    ),
    # the sessions card
    "sessions.intro": (
        "{idle}분 동안 쓰지 않거나 로그인하고 {hours}시간이 지나면 자동으로 로그아웃됩니다 (로그인 상태 유지: "
        "{days}일). 모르는 기기가 보이면 로그아웃시키고 비밀번호를 바꾸세요.",
        "You are signed out after {idle} minutes without use or {hours} hours after signing in (kept signed in: "
        "{days} days). If you see a device you do not know, sign it out and change your password.",
    ),
    "sessions.this_device": ("이 기기", "This device"),
    "sessions.unknown_device": ("알 수 없는 기기", "Unknown device"),
    "sessions.unknown_ip": ("주소 모름", "Address unknown"),
    "sessions.signed_in": ("로그인 {when}", "Signed in {when}"),
    "sessions.last_seen": ("마지막 사용 {when}", "Last seen {when}"),
    "sessions.remembered": ("상태 유지", "Kept signed in"),
    "sessions.end": ("로그아웃", "Sign out"),
    "sessions.end_label": ("{device} 로그아웃", "Sign out {device}"),
    "sessions.end_others": ("다른 기기 모두 로그아웃", "Sign out everywhere else"),
    "sessions.ended": ("그 기기를 로그아웃시켰습니다.", "That device is signed out."),
    "sessions.ended_others": ("다른 기기 {count}곳을 로그아웃시켰습니다.", "Signed out {count} other device(s)."),
    "sessions.none_other": ("이 기기 말고 로그인된 곳이 없습니다.", "No other device is signed in."),
    "sessions.password": ("비밀번호 (다른 기기를 로그아웃시키려면)", "Password (to sign out other devices)"),
    "sessions.password_needed": ("계속하려면 비밀번호를 입력하세요.", "Enter your password to go on."),
    "sessions.not_found": ("그 로그인은 이미 끝났습니다.", "That session has already ended."),
    "sessions.use_sign_out": ("이 기기는 위쪽의 로그아웃으로 나가세요.", "Use Log out at the top for this device."),
    # the API tokens card
    "tokens.intro": (
        "다른 프로그램이 API를 쓸 때 보내는 열쇠입니다. 만든 직후 한 번만 보여 주니 바로 복사하세요. "
        "필요 없어진 토큰은 폐기하세요.",
        "Keys other programs send to use the API. A token is shown once, right after it is made: copy it then. "
        "Revoke tokens you no longer need.",
    ),
    "tokens.name": ("이름 (어디에 쓰는지)", "Name (what it is for)"),
    "tokens.days": ("유효 기간", "Valid for"),
    "tokens.days_option": ("{days}일", "{days} days"),
    "tokens.days_default": ("{days}일 (기본)", "{days} days (default)"),
    "tokens.days_never": ("만료 없음 (권장하지 않음)", "Never expires (not recommended)"),
    "tokens.password": ("비밀번호 (토큰을 만들려면)", "Password (to make a token)"),
    "tokens.create": ("토큰 만들기", "Create token"),
    "tokens.shown_once": ("새 토큰입니다. 이 화면을 떠나면 다시 볼 수 없습니다.",
                          "Your new token. It cannot be shown again once you leave this page."),
    "tokens.copy": ("복사", "Copy"),
    "tokens.none": ("만든 토큰이 없습니다.", "No tokens yet."),
    "tokens.created": ("만든 때 {when}", "Created {when}"),
    "tokens.used": ("마지막 사용 {when}", "Last used {when}"),
    "tokens.never_used": ("쓴 적 없음", "Never used"),
    "tokens.expires": ("만료 {when}", "Expires {when}"),
    "tokens.no_expiry": ("만료 없음", "Never expires"),
    "tokens.unnamed": ("(이름 없음)", "(no name)"),
    "tokens.state_active": ("사용 중", "Active"),
    "tokens.state_expired": ("만료됨", "Expired"),
    "tokens.state_revoked": ("폐기됨", "Revoked"),
    "tokens.revoke": ("폐기", "Revoke"),
    "tokens.revoke_label": ("{name} 토큰 폐기", "Revoke token {name}"),
    "tokens.revoked": ("토큰을 폐기했습니다. 이제 그 토큰으로는 API를 쓸 수 없습니다.",
                       "Token revoked: it no longer works with the API."),
    "tokens.not_found": ("그런 토큰이 없거나 이미 폐기되었습니다.", "No such token, or it is already revoked."),
    "tokens.bad_days": ("유효 기간은 0(만료 없음)부터 {max}일까지입니다.",
                        "The validity is 0 (never expires) to {max} days."),
    "tokens.name_long": ("이름은 {max}자까지입니다.", "A name has at most {max} characters."),
}
