"""Deleting the account and downloading everything first (issue #12)."""

MESSAGES = {
    "erasure.intro": (
        "계정을 삭제하면 회선, 결제 내역, 청구서, 납부, 예산, 알림과 로그인 정보가 모두 지워지고 되돌릴 수 "
        "없습니다. 먼저 내 데이터를 내려받아 두세요.",
        "Deleting the account erases every line, payment, bill, budget, alert and sign-in of yours, for good. "
        "Download your data first.",
    ),
    "erasure.download": ("내 데이터 내려받기 (ZIP)", "Download my data (ZIP)"),
    "erasure.warning": (
        "삭제하려면 비밀번호와 (설정했다면) 2단계 인증 코드, 그리고 계정 이메일을 입력하세요.",
        "To delete, enter your password, your two-step code (if you set one up) and the account's email.",
    ),
    "erasure.password": ("비밀번호", "Password"),
    "erasure.code": ("2단계 인증 코드 또는 복구 코드", "Two-step code or recovery code"),
    "erasure.typed": ("확인을 위해 계정 이메일을 입력하세요", "Type the account's email to confirm"),
    "erasure.typed_wrong": ("계정 이메일과 다릅니다.", "That is not the account's email."),
    "erasure.submit": ("계정 영구 삭제", "Delete the account for good"),
    "erasure.not_deleted": ("계정을 삭제하지 않았습니다. 표시된 칸을 확인하세요.",
                            "The account was not deleted: see the marked fields."),
    "erasure.done": (
        "계정과 모든 데이터를 삭제했습니다. 이용해 주셔서 감사합니다.",
        "Your account and all its data were deleted. Thank you for using Microbill.",
    ),
}
