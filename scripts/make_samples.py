"""Write the filled sample submissions in samples/submissions/ (report year 2024).

    . .venv/bin/activate && python scripts/make_samples.py [OUT_DIR]

For the units of samples/roster.csv the generator makes each workbook, then a real LibreOffice
(scripts/lo_fill.py, one soffice start) types the figures and texts in and saves the file, as a
unit would. 小浪底镇 carries its real published report (all zeros); six units are complete and
correct; five units each carry one typical defect; one roster unit sends nothing. The expected
verdict of each file is in samples/README.md.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from make_fixtures import document_ops, run_lo_fill

from xxgk.form.definition import Form, load_form
from xxgk.generate.roster import read_roster, unique_filenames
from xxgk.generate.workbook import build_workbook

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "samples" / "submissions"
YEAR = 2024
MISSING = "会盟镇会盟村"  # the roster unit that sends nothing (ROSTER-MISSING)

# 小浪底镇: the published 2024 report (shared/samples/xiaolangdi-2024-published.txt), section by section.
XIAOLANGDI_TEXTS = {
    "overview.intro": "政务公开，不仅是推动依法行政、构建服务型政府的核心举措，更是维护公民知情权、"
                      "参与权与监督权的关键途径。"
                      "自今年起，我镇切实遵循省、市、县针对政务公开工作的相关部署与要求，不断加强组织领导，"
                      "完善工作机制，"
                      "拓展公开内容，创新公开形式。下面将对我镇 2024 年政务公开相关情况进行总结：",
    "overview.proactive": "2024 年，小浪底镇党委与政府紧密围绕区委、区政府的统一规划，秉持“严格依法、全面真实、"
                          "及时便民”的准则，"
                          "持续加大对政府信息公开工作的投入。具体从强化领导、拓宽平台、提升透明度、"
                          "加强监督这四个维度着力，"
                          "保障了信息化工作公开的及时性、规范性与安全性，各项任务均按既定时间、质量及数量要求圆满完成。"
                          "经过一年的实践，主动公开的意识显著增强，政府信息公开的形式更为多元，内容更为丰富，"
                          "制度也更为完善，"
                          "有力地推动了政府信息公开工作的深入开展。",
    "overview.requests": "在 2024 年，小浪底镇并未收到群众主动提出的公开政府信息申请。同时，经排查，"
                         "也未发现存在应主动公开却未公开的政府信息情况。",
    "overview.platform": "2024 年，小浪底镇主要依托小浪底镇人民政府网站发布政务信息，以此实现政务公开。"
                         "为确保公开内容的及时性与准确性，"
                         "综合运用政府门户网站以及云上孟津 app“诗画小浪底”账号等媒介，强化了不同渠道信息发布的协同性。",
    "overview.supervision": "2024 年，小浪底镇对所有拟公开信息制定了严格流程，先由业务人员负责经办，"
                            "再由相关股室负责人进行审查，"
                            "最后报单位分管领导审核批准方可公开，对于重要信息公开，必须经过单位主要负责同志审定。此外，"
                            "在全镇 28 个村（社区）均设立了村务公开栏，要求各村（社区）重点公开财务收支状况、"
                            "农村低保与五保评议结果、"
                            "村干部责任分工及联系电话等事项。镇党建办牵头，"
                            "不定期对各村（社区）政务公开工作进行实地检查与指导，"
                            "一旦发现问题，即刻督促整改。",
    "problems.problems": "政务公开队伍建设有待强化，工作人员业务能力和水平有待提升，且缺乏系统、专业的培训和学习。",
    "other.fee_charged": "未收取",
    "other.text": "本单位 2024 年度未收取政府信息公开信息处理费。",
}

# Small, realistic figures. Table 三 rows list the six applicant columns; table 四 the four outcomes.
FIGURES: dict[str, dict[str, Any]] = {
    "城关镇": {
        "proactive": {"normative_documents": (1, 0, 3), "punishment": 12},
        "requests": {"new_received": [3, 0, 0, 0, 0, 0], "granted": [2, 0, 0, 0, 0, 0],
                     "unavailable_not_held": [1, 0, 0, 0, 0, 0]},
    },
    "会盟镇": {
        "proactive": {"punishment": 6, "enforcement": 1},
        "requests": {"new_received": [1, 0, 0, 0, 0, 0], "granted": [1, 0, 0, 0, 0, 0]},
    },
    "河阳街道": {
        "proactive": {"punishment": 9},
        "requests": {"new_received": [2, 0, 0, 0, 0, 0], "carried_over": [1, 0, 0, 0, 0, 0],
                     "granted": [1, 0, 0, 0, 0, 0], "partially_granted": [1, 0, 0, 0, 0, 0],
                     "carried_forward": [1, 0, 0, 0, 0, 0]},
    },
    "孟津区教育局": {
        "proactive": {"normative_documents": (2, 1, 15), "licensing": 36, "punishment": 2},
        "requests": {"new_received": [4, 1, 0, 0, 0, 0], "carried_over": [1, 0, 0, 0, 0, 0],
                     "granted": [3, 0, 0, 0, 0, 0], "partially_granted": [1, 0, 0, 0, 0, 0],
                     "unavailable_not_held": [0, 1, 0, 0, 0, 0], "carried_forward": [1, 0, 0, 0, 0, 0]},
        "review": {"review": [1, 0, 0, 0]},
    },
    "孟津区自然资源局": {
        "proactive": {"normative_documents": (1, 0, 6), "licensing": 248, "punishment": 17, "enforcement": 3,
                      "fees": 125.3625},
        "requests": {"new_received": [10, 2, 0, 0, 0, 0], "carried_over": [2, 0, 0, 0, 0, 0],
                     "granted": [5, 1, 0, 0, 0, 0], "partially_granted": [2, 0, 0, 0, 0, 0],
                     "withheld_third_party": [1, 0, 0, 0, 0, 0], "unavailable_not_held": [2, 1, 0, 0, 0, 0],
                     "rejected_petition": [1, 0, 0, 0, 0, 0], "carried_forward": [1, 0, 0, 0, 0, 0]},
        "review": {"review": [1, 0, 0, 1], "litigation_direct": [1, 0, 0, 0]},
    },
    "城关镇东关社区": {},
    # defects
    "平乐镇": {  # T3-BALANCE: 4 received, 3 answered, nothing carried forward
        "proactive": {"punishment": 4},
        "requests": {"new_received": [4, 0, 0, 0, 0, 0], "granted": [3, 0, 0, 0, 0, 0]},
    },
    "白鹤镇": {  # （七）总计 typed over with a number (the value is right, the formula is gone)
        "proactive": {"punishment": 7},
        "requests": {"new_received": [2, 0, 0, 0, 0, 0], "granted": [2, 0, 0, 0, 0, 0]},
        "typed_over": {"requests.total_processed.natural_person": 2},
    },
    "朝阳镇": {"proactive": {"punishment": 3}},  # last year's text, 2019-style wording
    "康乐街道": {"proactive": {"punishment": 5}},  # no 信息处理费 statement
    "孟津区财政局": {  # numbers typed as text (setString)
        "proactive": {"normative_documents": (2, 0, 9)},
        "requests": {"new_received": [3, 0, 0, 0, 0, 0], "granted": [3, 0, 0, 0, 0, 0]},
        "as_text": ["proactive.normative_documents.issued", "proactive.normative_documents.in_force",
                    "requests.new_received.natural_person", "requests.granted.natural_person"],
    },
}

RESULT_WORDS = {
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "withheld_third_party": "不予公开",
    "unavailable_not_held": "因本机关不掌握相关政府信息无法提供",
    "rejected_petition": "属于信访举报投诉类申请不予处理",
}


def _requests_sentence(name: str, req: dict[str, list[int]], year: int) -> str:
    new, carried = sum(req.get("new_received", [])), sum(req.get("carried_over", []))
    if not new and not carried:
        return f"{year}年，{name}未收到政府信息公开申请，无上年结转申请。"
    parts = [f"{RESULT_WORDS[k]}{sum(req[k])}件" for k in RESULT_WORDS if sum(req.get(k, []))]
    text = f"{year}年，{name}共收到政府信息公开申请{new}件"
    text += f"，上年结转{carried}件" if carried else ""
    text += f"，已办结的均在法定期限内答复，其中{'，'.join(parts)}"
    forward = sum(req.get("carried_forward", []))
    text += f"；结转下年度继续办理{forward}件。" if forward else "。"
    return text + "申请登记、审核、答复全流程留痕管理。"


def complete_texts(name: str, figures: dict[str, Any], year: int = YEAR) -> dict[str, str]:
    """Texts that cover every required topic, as a careful unit would write them."""
    review = figures.get("review", {})
    appeals = sum(review.get("review", []))
    suits = sum(review.get("litigation_direct", [])) + sum(review.get("litigation_after_review", []))
    if appeals or suits:  # one figure per kind, as table 四 counts them
        review_text = f"全年因政府信息公开被申请行政复议{appeals}件、被提起行政诉讼{suits}件，均已依法办理。"
    else:
        review_text = "全年未发生因政府信息公开引起的行政复议、行政诉讼。"
    return {
        "overview.proactive": f"{year}年，{name}围绕重点工作和群众关切，通过政府网站信息公开专栏主动公开机构职能、"
                              "政策文件、财政预决算、重大建设项目等信息，及时更新办事指南和公开目录。",
        "overview.requests": _requests_sentence(name, figures.get("requests", {}), year),
        "overview.management": "严格执行公开前保密审查和发布审查制度，落实公开属性源头认定，"
                               "对已公开的政府信息开展清理，"
                               "实行动态调整管理。",
        "overview.platform": "依托区政府门户网站信息公开平台和政务新媒体账号发布信息，规范公开专栏栏目设置，"
                             "确保信息发布及时准确。",
        "overview.supervision": "明确分管领导和专职人员负责政务公开工作，将政务公开纳入年度考核，组织业务培训2次，"
                                + review_text,
        "problems.problems": "公开内容的深度和解读的针对性还不够，工作人员业务水平有待提升，部分栏目更新不够及时。",
        "problems.improvements": "下一步，将进一步加强业务培训，建立栏目定期检查制度，丰富政策解读形式，"
                                 "持续提升政务公开工作质量。",
        "other.fee_charged": "未收取",
        "other.text": f"本单位{year}年度未收取政府信息公开信息处理费。",
    }


def figure_values(figures: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, v in figures.get("proactive", {}).items():
        if isinstance(v, tuple):
            values.update({f"proactive.{key}.{k}": n for k, n in zip(("issued", "repealed", "in_force"), v,
                                                                        strict=True)})
        else:
            values[f"proactive.{key}"] = v
    cols = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other"]
    for row, numbers in figures.get("requests", {}).items():
        values.update({f"requests.{row}.{c}": n for c, n in zip(cols, numbers, strict=True) if n})
    for block, numbers in figures.get("review", {}).items():
        values.update({f"review_litigation.{block}.{c}": n
                       for c, n in zip(["upheld", "corrected", "other", "pending"], numbers, strict=True) if n})
    return values


def unit_values(name: str) -> dict[str, Any]:
    """{document path: value} a unit types in (before any defect-specific edit)."""
    contact = {"contact.person": "王丽", "contact.phone": "0379-67912345"}
    if name == "小浪底镇":
        return {**contact, **XIAOLANGDI_TEXTS}
    figures = FIGURES[name]
    values = {**contact, **figure_values(figures), **complete_texts(name, figures)}
    if name == "朝阳镇":  # last year's report pasted in: 2023 in the texts, 2019-format wording
        values.update(complete_texts(name, figures, 2023))
        values["overview.proactive"] = ("2023年，朝阳镇主动公开政府信息，本年新制作数量46条，本年新公开数量46条，"
                                        "对外公开总数量312条，公开内容涵盖机构职能、政策文件、财政预决算等。")
    if name == "康乐街道":  # 六 left without the fee statement
        del values["other.fee_charged"]
        values["other.text"] = "无其他需要报告的事项。"
    return values


def sample_ops(form: Form, name: str) -> list[dict[str, Any]]:
    figures = FIGURES.get(name, {})
    values = unit_values(name)
    as_text = set(figures.get("as_text", []))
    ops = document_ops(form, {k: v for k, v in values.items() if k not in as_text})
    for path in figures.get("as_text", []):  # typed with a leading apostrophe / pasted as text
        f = form.field(path)
        ops.append({"op": "set", "sheet": f.sheet, "cell": f.cell, "value": str(values[path])})
    for path, value in figures.get("typed_over", {}).items():
        f = form.field(path)
        ops.append({"op": "set", "sheet": f.sheet, "cell": f.cell, "value": value})
    return ops


def main(argv: list[str]) -> int:
    out = Path(argv[1]).resolve() if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    form = load_form()
    units = read_roster(ROOT / "samples" / "roster.csv", form)
    names = unique_filenames(units, YEAR)
    for old in out.glob("*.xlsx"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="xxgk_samples_") as tmp:
        jobs = []
        for unit, filename in zip(units, names, strict=True):
            if unit.name == MISSING:
                continue
            blank = Path(tmp) / filename
            blank.write_bytes(build_workbook(form, unit, YEAR))
            jobs.append({"in": str(blank), "out": str(out / filename), "ops": sample_ops(form, unit.name)})
        run_lo_fill(jobs, Path(tmp))
    for p in sorted(out.glob("*.xlsx")):
        print(p.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
