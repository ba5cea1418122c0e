"""registry/survey: rounds, their pages, figures, report and PDFs; the prefecture's lead in the round."""
