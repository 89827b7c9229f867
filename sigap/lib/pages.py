"""Pages of a long list without counting it: COUNT(*) over a million complaints costs more than the page.

A page fetches its rows plus one; the extra row says whether there is a next page.
"""

from collections.abc import Sequence

MAX_PAGE = 400  # past that, OFFSET walks too far: filters find old complaints faster


def page_number(value: str | None) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


class Page(Sequence):
    def __init__(self, queryset, number: int, per_page: int):
        self.number, self.per_page = number, per_page
        start = (number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
        self.has_next = len(rows) > per_page and number < MAX_PAGE
        self.object_list = rows[:per_page]
        self.has_previous = number > 1
        self.previous_page_number, self.next_page_number = number - 1, number + 1
        self.start_index = start + 1 if self.object_list else 0
        self.end_index = start + len(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]
