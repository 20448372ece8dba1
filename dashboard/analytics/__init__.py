"""Pure computations over indicator rows: KPIs and trends, annual values, goal progress, comparisons, breakdowns."""
