"""The engine of the sales-target calibration dashboard.

Pure Python (DuckDB, pandas, numpy, scipy). It never imports streamlit: every
page of the dashboard is a thin view over functions here, and everything a page
can do, ``python -m analytics ...`` can do too.
"""

__version__ = "0.1.0"
