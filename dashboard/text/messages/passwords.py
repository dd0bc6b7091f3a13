"""Passwords and registration: the policy, change, reset, confirmation and their mails (issue #12)."""

MESSAGES = {
    # the policy, per field
    "pw.required": ("새 비밀번호를 입력하세요.", "Enter a new password."),
    "pw.too_short": ("비밀번호는 10자 이상이어야 합니다.", "The password needs at least 10 characters."),
    "pw.too_long": ("비밀번호는 128자까지 쓸 수 있습니다.", "The password can have at most 128 characters."),
    "pw.guessable": (
        "너무 흔하거나 추측하기 쉬운 비밀번호입니다. 여러 단어를 이어 더 길게 만들어 보세요.",
        "This password is too common or easy to guess. Try a longer one made of several words.",
    ),
    "pw.like_email": ("비밀번호에 이메일 주소를 넣을 수 없습니다.", "The password cannot contain your email address."),
    "pw.mismatch": ("비밀번호가 서로 다릅니다.", "The passwords do not match."),
    "pw.same": ("지금 쓰는 비밀번호와 다른 비밀번호를 입력하세요.",
                "Choose a password different from the current one."),
    "pw.rule": ("10자 이상, 흔하지 않은 것", "At least 10 characters, not a common one"),
    # change on /account
    "pw.current": ("현재 비밀번호", "Current password"),
    "pw.new": ("새 비밀번호", "New password"),
    "pw.repeat": ("새 비밀번호 확인", "Repeat the new password"),
    "pw.change_submit": ("비밀번호 변경", "Change password"),
    "pw.change_intro": (
        "비밀번호를 바꾸면 이 기기를 뺀 모든 기기에서 로그아웃되고, 발급한 API 토큰도 모두 폐기됩니다.",
        "Changing the password signs out every other device and revokes every API token.",
    ),
    "pw.not_changed": ("비밀번호를 바꾸지 못했습니다. 표시된 칸을 확인하세요.",
                      "The password was not changed: see the marked fields."),
    "pw.changed": (
        "비밀번호를 바꿨습니다. 다른 기기 {sessions}곳에서 로그아웃되고 API 토큰 {tokens}개가 폐기되었습니다.",
        "Password changed. {sessions} other device(s) signed out and {tokens} API token(s) revoked.",
    ),
    # forgot / reset
    "pw.forgot_link": ("비밀번호를 잊으셨나요?", "Forgot your password?"),
    "pw.forgot_title": ("비밀번호 재설정", "Reset the password"),
    "pw.forgot_intro": (
        "가입한 이메일 주소를 입력하면 비밀번호를 다시 정할 수 있는 링크를 보내 드립니다.",
        "Enter the address you signed up with and we will mail you a link to set a new password.",
    ),
    "pw.forgot_submit": ("재설정 링크 보내기", "Send the reset link"),
    "pw.forgot_sent": (
        "입력한 주소로 가입된 계정이 있으면 재설정 링크를 보냈습니다. 링크는 {minutes}분 동안, 한 번만 쓸 수 있습니다.",
        "If an account uses that address, a reset link is on its way. It works once, for {minutes} minutes.",
    ),
    "pw.reset_title": ("새 비밀번호 정하기", "Set a new password"),
    "pw.reset_submit": ("비밀번호 저장", "Save the password"),
    "pw.reset_note": (
        "저장하면 모든 기기에서 로그아웃되고 API 토큰이 모두 폐기됩니다.",
        "Saving signs out every device and revokes every API token.",
    ),
    "pw.reset_done": (
        "비밀번호를 바꿨습니다. 새 비밀번호로 로그인하세요.",
        "Your password was changed. Log in with the new password.",
    ),
    "pw.link_invalid": (
        "이 링크는 이미 사용했거나 올바르지 않습니다. 재설정 링크를 다시 받으세요.",
        "This link was used already or is not valid. Ask for a new reset link.",
    ),
    "pw.link_expired": (
        "링크의 유효 시간이 지났습니다. 재설정 링크를 다시 받으세요.",
        "This link has expired. Ask for a new reset link.",
    ),
    # registration and confirmation
    "pw.registered_title": ("확인 메일을 보냈습니다", "We sent you a confirmation mail"),
    "pw.registered_body": (
        "메일함을 확인하고 메일 속 링크를 눌러 가입을 마치세요. 메일이 오지 않으면 스팸함도 확인해 주세요.",
        "Open the link in the mail to finish signing up. If nothing arrives, look in the spam folder.",
    ),
    "pw.unconfirmed": (
        "이메일 주소 확인이 아직 끝나지 않았습니다. 가입할 때 받은 메일의 링크를 눌러 주세요.",
        "Your email address is not confirmed yet. Open the link in the mail you got when signing up.",
    ),
    "pw.resend": ("확인 메일 다시 보내기", "Send the confirmation mail again"),
    "pw.confirm_title": ("이메일 주소 확인", "Confirm your email address"),
    "pw.confirm_intro": (
        "아래 버튼을 누르면 가입이 끝나고 로그인할 수 있습니다.",
        "Press the button to finish signing up; then you can log in.",
    ),
    "pw.confirm_submit": ("이메일 주소 확인", "Confirm the address"),
    "pw.confirm_done": ("이메일 주소를 확인했습니다. 로그인하세요.", "Your address is confirmed. Log in."),
    "pw.confirm_invalid": (
        "이 확인 링크는 이미 사용했거나 올바르지 않습니다.",
        "This confirmation link was used already or is not valid.",
    ),
    "pw.confirm_expired": (
        "확인 링크의 유효 시간이 지났습니다. 로그인 화면에서 다시 받으세요.",
        "This confirmation link has expired. Ask for a new one on the login page.",
    ),
    # mails (both languages in each mail)
    "pwmail.reset_subject": ("비밀번호 재설정", "Reset your password"),
    "pwmail.reset_body": (
        "Microbill 비밀번호를 다시 정하려면 아래 링크를 여세요. 링크는 {minutes}분 동안, 한 번만 쓸 수 있습니다.",
        "To set a new Microbill password, open the link below. It works once, for {minutes} minutes.",
    ),
    "pwmail.confirm_subject": ("가입 확인", "Confirm your sign-up"),
    "pwmail.confirm_body": (
        "Microbill 가입을 마치려면 아래 링크를 여세요. 링크는 {hours}시간 동안 쓸 수 있습니다.",
        "To finish signing up for Microbill, open the link below. It works for {hours} hours.",
    ),
    "pwmail.known_subject": ("가입 시도 알림", "Someone tried to sign up"),
    "pwmail.known_body": (
        "누군가 이 주소로 Microbill 가입을 시도했습니다. 이 주소로는 이미 계정이 있습니다. 본인이라면 로그인하세요:",
        "Someone tried to sign up for Microbill with this address, which already has an account. "
        "If it was you, log in:",
    ),
    "pwmail.changed_subject": ("비밀번호가 바뀌었습니다", "Your password was changed"),
    "pwmail.changed_body": (
        "Microbill 계정의 비밀번호가 방금 바뀌었고, 다른 기기는 모두 로그아웃되고 API 토큰은 폐기되었습니다. "
        "직접 바꾸지 않았다면 바로 아래 링크에서 비밀번호를 다시 정하세요:",
        "The password of your Microbill account was just changed; other devices were signed out and API tokens "
        "revoked. If you did not change it, set a new password at once here:",
    ),
    "pwmail.known_forgot": ("비밀번호가 기억나지 않으면:", "If you forgot the password:"),
    "pwmail.not_you": (
        "본인이 요청하지 않았다면 이 메일은 무시하세요. 계정은 바뀌지 않습니다.",
        "If this was not you, ignore this mail: nothing changes in your account.",
    ),
}
