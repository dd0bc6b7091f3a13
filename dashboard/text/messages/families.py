"""Messages for family lines: members (guardian, viewer), invitations, the family overview."""

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ko, en)
    "members.not_allowed.viewer": ("보기 권한만 있어 이 회선을 바꿀 수 없습니다. 회선 주인에게 요청하세요.",
                                   "You can only view this line; ask its owner to make changes."),
    "members.not_allowed.guardian": ("이 작업은 회선 주인만 할 수 있습니다.",
                                     "Only the line's owner can do this."),
    "members.refused_header": ("할 수 없는 작업", "Not allowed"),
    "members.role.owner": ("주인", "Owner"),
    "members.role.guardian": ("보호자", "Guardian"),
    "members.role.viewer": ("보기 전용", "Viewer"),
}
