"""Names of GB/T 2260 administrative-division codes, for printing a region
as the portal and a reader know it: 上海市浦东新区 (310115).

The names come from the table python-stdnum ships for resident IDs
(stdnum/cn/loc.dat, from Wikipedia's lists of division codes). It holds
counties by province with the years a name was in use; a code it does not
know is printed as the code alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

# "[1992-]浦东新区", "[-2010]崇文区", "[1983-1997]某县": years of use, then the name.
_DATED = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
# Placeholders of the table that are not places ("市辖区" = the city's districts).
_NOT_A_PLACE = {
    "市辖区",
    "县",
    "省直辖行政单位",
    "省直辖县级行政单位",
    "自治区直辖县级行政单位",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
}


def _current(names: str) -> str:
    """The name in use now (or last) among the table's dated alternatives."""
    latest, latest_end = "", -1
    for entry in names.split(","):
        match = _DATED.match(entry)
        if not match:
            return entry
        _start, end, name = match.groups()
        if not end:
            return name
        if int(end) > latest_end:
            latest, latest_end = name, int(end)
    return latest


@lru_cache(maxsize=512)
def region_name(code: str | None) -> str:
    """The full name of a six-digit division code (上海市浦东新区), or ""."""
    if not code or not re.fullmatch(r"\d{6}", code):
        return ""
    from stdnum import numdb

    table = numdb.get("cn/loc")

    def county(six: str) -> tuple[str, str]:
        info = {k: v for _part, props in table.info(six) for k, v in props.items()}
        return info.get("province", ""), _current(info.get("county", ""))

    province, place = county(code)
    if not province:
        return ""
    parts = [province]
    if code[2:] == "0000":
        return province
    if code[4:] != "00":
        _province, city = county(code[:4] + "00")
        if city and city not in _NOT_A_PLACE and city != province:
            parts.append(city)
    if place and place not in _NOT_A_PLACE and place != province:
        parts.append(place)
    elif code[4:] != "00" and not place:
        return ""  # the county is not in the table
    return "".join(parts)


def region_display(code: str | None) -> str:
    """The region as its name with the code, "上海市浦东新区 (310115)"; the code
    alone when the table has no name for it."""
    if not code:
        return ""
    name = region_name(code)
    return f"{name} ({code})" if name else code
