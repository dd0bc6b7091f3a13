"""Faults of the machine, not of the request: the database away, a full or read-only disk, a bug (issue #13)."""

MESSAGES = {
    "error.bad_callback": ("요청 형식이 올바르지 않습니다. 페이지를 새로 고쳐 주세요.",
                           "The request is malformed. Please reload the page."),
    "fault.unavailable": (
        "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
        "The service is temporarily unavailable. Please try again in a moment.",
    ),
    "fault.internal": (
        "예기치 못한 오류가 발생했습니다. 문제가 계속되면 관리자에게 알려 주세요.",
        "Something went wrong on our side. If it keeps happening, please tell the administrator.",
    ),
    "fault.retry": ("다시 시도", "Try again"),
    "fault.home": ("처음으로", "Home"),
}
