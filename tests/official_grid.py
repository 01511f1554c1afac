"""The national tables of 国办公开办函〔2021〕30号, typed in from official-format.md §2.4–2.6.

Written out by hand on purpose: the generator derives its layout from templates/*.yaml, so an
expectation derived from the same file would prove nothing. Coordinates are official (row 1 is
the table's first header row); the workbook puts the official A1 on sheet row 3.
"""

from __future__ import annotations

import re

ORIGIN_ROWS = 2  # official row r is sheet row r + 2

SHEET_T2 = "二、主动公开政府信息情况"
SHEET_T3 = "三、收到和处理政府信息公开申请情况"
SHEET_T4 = "四、政府信息公开行政复议、行政诉讼情况"

SECTION_SHEETS = [
    "一、总体情况",
    SHEET_T2,
    SHEET_T3,
    SHEET_T4,
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]

# (official cell or merged range, text)
T2_LABELS = [
    ("A1:D1", "第二十条第（一）项"),
    ("A2", "信息内容"),
    ("B2", "本年制发件数"),
    ("C2", "本年废止件数"),
    ("D2", "现行有效件数"),
    ("A3", "规章"),
    ("A4", "行政规范性文件"),
    ("A5:D5", "第二十条第（五）项"),
    ("A6", "信息内容"),
    ("B6:D6", "本年处理决定数量"),
    ("A7", "行政许可"),
    ("A8:D8", "第二十条第（六）项"),
    ("A9", "信息内容"),
    ("B9:D9", "本年处理决定数量"),
    ("A10", "行政处罚"),
    ("A11", "行政强制"),
    ("A12:D12", "第二十条第（八）项"),
    ("A13", "信息内容"),
    ("B13:D13", "本年收费金额（单位：万元）"),
    ("A14", "行政事业性收费"),
]
T2_INPUT_MERGES = ["B7:D7", "B10:D10", "B11:D11", "B14:D14"]
T2_COUNT_INPUTS = ["B3", "C3", "D3", "B4", "C4", "D4", "B7", "B10", "B11"]
T2_FEE_INPUT = "B14"

T3_LABELS = [
    ("A1:C3", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
    ("D1:J1", "申请人情况"),
    ("D2:D3", "自然人"),
    ("E2:I2", "法人或其他组织"),
    ("J2:J3", "总计"),
    ("E3", "商业企业"),
    ("F3", "科研机构"),
    ("G3", "社会公益组织"),
    ("H3", "法律服务机构"),
    ("I3", "其他"),
    ("A4:C4", "一、本年新收政府信息公开申请数量"),
    ("A5:C5", "二、上年结转政府信息公开申请数量"),
    ("A6:A27", "三、本年度办理结果"),
    ("B6:C6", "（一）予以公开"),
    ("B7:C7", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("B8:B15", "（三）不予公开"),
    ("C8", "1.属于国家秘密"),
    ("C9", "2.其他法律行政法规禁止公开"),
    ("C10", "3.危及“三安全一稳定”"),
    ("C11", "4.保护第三方合法权益"),
    ("C12", "5.属于三类内部事务信息"),
    ("C13", "6.属于四类过程性信息"),
    ("C14", "7.属于行政执法案卷"),
    ("C15", "8.属于行政查询事项"),
    ("B16:B18", "（四）无法提供"),
    ("C16", "1.本机关不掌握相关政府信息"),
    ("C17", "2.没有现成信息需要另行制作"),
    ("C18", "3.补正后申请内容仍不明确"),
    ("B19:B23", "（五）不予处理"),
    ("C19", "1.信访举报投诉类申请"),
    ("C20", "2.重复申请"),
    ("C21", "3.要求提供公开出版物"),
    ("C22", "4.无正当理由大量反复申请"),
    ("C23", "5.要求行政机关确认或重新出具已获取信息"),
    ("B24:B26", "（六）其他处理"),
    ("C24", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("C25", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("C26", "3.其他"),
    ("B27:C27", "（七）总计"),
    ("A28:C28", "四、结转下年度继续办理"),
]
T3_DATA_COLS = "DEFGHI"  # 自然人 … 其他; J is 总计
T3_DATA_ROWS = list(range(4, 29))  # 一 (4) … 四 (28)
T3_TOTAL_ROW = 27  # （七）总计
T3_RESULT_ROWS = list(range(6, 27))  # （一） … （六）3

T4_LABELS = [
    ("A1:E1", "行政复议"),
    ("F1:O1", "行政诉讼"),
    ("A2:A3", "结果维持"),
    ("B2:B3", "结果纠正"),
    ("C2:C3", "其他结果"),
    ("D2:D3", "尚未审结"),
    ("E2:E3", "总计"),
    ("F2:J2", "未经复议直接起诉"),
    ("K2:O2", "复议后起诉"),
    ("F3", "结果维持"),
    ("G3", "结果纠正"),
    ("H3", "其他结果"),
    ("I3", "尚未审结"),
    ("J3", "总计"),
    ("K3", "结果维持"),
    ("L3", "结果纠正"),
    ("M3", "其他结果"),
    ("N3", "尚未审结"),
    ("O3", "总计"),
]
T4_BLOCKS = [("ABCD", "E"), ("FGHI", "J"), ("KLMN", "O")]  # (outcome columns, 总计 column) on row 4
T4_DATA_ROW = 4

OFFICIAL = {SHEET_T2: T2_LABELS, SHEET_T3: T3_LABELS, SHEET_T4: T4_LABELS}


def on_sheet(ref: str) -> str:
    """Official cell/range -> sheet cell/range (2 rows lower)."""
    return re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + ORIGIN_ROWS), ref)


def t3_inputs() -> list[str]:
    return [f"{c}{r}" for r in T3_DATA_ROWS if r != T3_TOTAL_ROW for c in T3_DATA_COLS]


def t3_formulas() -> dict[str, str]:
    """Official cell -> expected formula (official coordinates): row totals and the （七） column sums."""
    out = {f"J{r}": f"SUM(D{r}:I{r})" for r in T3_DATA_ROWS}
    for c in T3_DATA_COLS:
        out[f"{c}{T3_TOTAL_ROW}"] = f"SUM({c}{T3_RESULT_ROWS[0]}:{c}{T3_RESULT_ROWS[-1]})"
    return out


def t4_inputs() -> list[str]:
    return [f"{c}{T4_DATA_ROW}" for cols, _ in T4_BLOCKS for c in cols]


def t4_formulas() -> dict[str, str]:
    return {f"{total}{T4_DATA_ROW}": f"SUM({cols[0]}{T4_DATA_ROW}:{cols[-1]}{T4_DATA_ROW})"
            for cols, total in T4_BLOCKS}
