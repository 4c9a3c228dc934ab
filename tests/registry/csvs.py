"""Small list files built in code, with the columns of shared/data/cac/records.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from registry.importer import COLUMNS

HEADER = list(COLUMNS)


def number(n: int, *, year: str = "22") -> str:
    """A well-formed filing number: 网信算备 + 6 + 7 + 2 + 2 + 4 = 21 digits + 号."""
    return f"网信算备110108{n:07d}01{year}0011号"


def listing(n: int = 1, **columns: str) -> dict[str, str]:
    row = {
        "filingType": "互联网信息服务算法备案",
        "batch": "2022年8月",
        "announcementDate": "2022-08",
        "algorithmName": f"示例个性化推荐算法{n}",
        "algorithmClass": "个性化推送类",
        "role": "",
        "entityName": f"北京示例{n}科技有限公司",
        "product": f"示例资讯{n}（APP）",
        "purpose": "应用于资讯推荐，根据用户的浏览记录，为用户推荐可能感兴趣的内容。",
        "recordNumber": number(n),
        "remark": "",
        "province": "北京",
        "domainTags": "新闻资讯",
        "sourceUrl": "https://www.cac.gov.cn/2022-08/12/c_1661927474338504.htm",
    }
    row.update(columns)
    return row


def deep_synthesis(n: int = 1, **columns: str) -> dict[str, str]:
    defaults = {
        "filingType": "深度合成服务算法备案",
        "batch": "2023年6月",
        "announcementDate": "2023-06-20",
        "algorithmName": f"示例生成合成算法{n}",
        "algorithmClass": "深度合成-服务提供者",
        "role": "深度合成-服务提供者",
        "recordNumber": number(n, year="23"),
    }
    return listing(n, **{**defaults, **columns})


def csv_text(rows: list[dict[str, str]], header: list[str] = HEADER) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] = HEADER,
    encoding: str = "utf-8-sig",
) -> Path:
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path
