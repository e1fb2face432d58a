"""Analysis: landmarks -> view, exercise, reps and phases, findings, assessability.

Pure NumPy (SciPy for filters); imports neither cv2 nor mediapipe (a test guards that).
"""

from formcheck.analysis.analyze import AnalysisResult, analyze_sequence

__all__ = ["AnalysisResult", "analyze_sequence"]
