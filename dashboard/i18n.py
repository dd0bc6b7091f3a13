"""One message catalogue for the whole UI: Korean first, English as the switch."""

from __future__ import annotations

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "app.title": ("마이크로빌", "Microbill"),
    "app.tagline": ("휴대폰 소액결제 사용 내역과 한도를 한눈에", "Your phone micropayments and limits at a glance"),
    "nav.overview": ("개요", "Overview"),
    "nav.logout": ("로그아웃", "Log out"),
    "nav.lang": ("English", "한국어"),
    "nav.theme": ("다크 모드", "Dark mode"),
    "nav.menu": ("메뉴", "Menu"),
    "line.pick": ("회선 선택", "Choose a line"),
    "line.none": ("등록된 회선이 없습니다.", "No phone lines yet."),
    "status.active": ("사용 중", "Active"),
    "status.blocked": ("차단됨", "Blocked"),
    "status.restricted": ("미납 제한", "Restricted (unpaid)"),
    "bucket.micropayment": ("소액결제", "Micropayments"),
    "bucket.content": ("콘텐츠이용료", "Content fees"),
    "overview.this_month": ("이번 달 사용 현황", "This month so far"),
    "overview.used": ("사용", "Used"),
    "overview.remaining": ("남은 한도", "Remaining"),
    "overview.limit": ("한도", "Limit"),
    "overview.of_limit": ("한도 대비", "of limit"),
    "overview.monthly_title": ("최근 13개월 월별 사용액과 한도", "Monthly spending and limit, last 13 months"),
    "overview.no_limit": ("한도 미설정", "No limit set"),
    "chart.spent": ("사용액", "Spent"),
    "chart.limit": ("한도", "Limit"),
    "chart.month": ("월", "Month"),
    "chart.amount": ("금액(원)", "Amount (KRW)"),
    "auth.login": ("로그인", "Log in"),
    "auth.register": ("회원가입", "Sign up"),
    "auth.email": ("이메일", "Email"),
    "auth.password": ("비밀번호", "Password"),
    "auth.password2": ("비밀번호 확인", "Confirm password"),
    "auth.invalid": ("이메일 또는 비밀번호가 올바르지 않습니다.", "Wrong email or password."),
    "auth.taken": ("이미 가입된 이메일입니다.", "That email is already registered."),
    "auth.too_many": (
        "로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "Too many login attempts. Please wait a moment and try again.",
    ),
    "auth.no_account": ("계정이 없으신가요?", "No account yet?"),
    "auth.have_account": ("이미 계정이 있으신가요?", "Already have an account?"),
    "auth.pw_rule": ("10자 이상", "At least 10 characters"),
    "auth.pw_mismatch": ("비밀번호가 서로 다릅니다.", "Passwords do not match."),
    "auth.pw_short": ("비밀번호는 10자 이상이어야 합니다.", "The password needs at least 10 characters."),
    "auth.email_bad": ("올바른 이메일 주소를 입력하세요.", "Enter a valid email address."),
    "error.session": ("세션이 만료되었습니다. 다시 로그인해 주세요.", "Your session has ended. Please log in again."),
    "error.csrf": ("보안 토큰이 없거나 만료되었습니다. 페이지를 새로고침하세요.", "Security token missing or expired. Reload the page."),
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    ko, en = MESSAGES[key]
    return en if lang == "en" else ko


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG
