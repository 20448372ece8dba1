"""Pure computations over indicator rows: quarters, units, annual values, KPIs, goals, comparisons."""
