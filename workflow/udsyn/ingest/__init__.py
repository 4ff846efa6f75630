"""Reading the survey export in every SurveyXact format, naming its columns, checking its
labels, validating it and the register against the codebook (``questionnaire``).
"""
