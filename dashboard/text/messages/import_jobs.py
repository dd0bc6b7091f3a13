"""The API's background imports (issue #13): what a poll says when a job is unknown or crashed."""

MESSAGES = {
    "import_job.not_found": ("가져오기 작업을 찾을 수 없습니다.", "No such import job."),
    "import_job.failed": (
        "가져오기 중 오류가 발생해 아무것도 저장하지 않았습니다. 다시 시도해 주세요.",
        "The import failed on our side and stored nothing. Please try again.",
    ),
}
