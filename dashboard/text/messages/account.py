"""The account page's frame (each section keeps its words in its own module)."""

MESSAGES = {
    "nav.account": ("계정", "Account"),
    "account.title": ("계정과 보안", "Account and security"),
    "account.sessions": ("로그인된 기기", "Signed-in devices"),
    "account.tokens": ("API 토큰", "API tokens"),
    "account.password": ("비밀번호", "Password"),
    "account.factors": ("2단계 인증", "Two-step sign-in"),
    "account.delete": ("계정 삭제", "Delete account"),
}
