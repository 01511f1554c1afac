"""xxgk: 政府信息公开工作年度报告 — generate, check, import and render the annual report."""

__version__ = "0.1.0"
