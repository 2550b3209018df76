"""The PySide6 + pyqtgraph desktop app. The only package that imports Qt."""
