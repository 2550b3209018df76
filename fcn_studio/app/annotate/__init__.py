"""Annotating images in the app, without Qt: label arrays with undo, project folders, retraining.

`Annotation` is one image's labels and edits (`annotation.py`), `AnnotationProject` the folder
they are saved in (images/ + masks/ + classes.json, the layout the datasets read), and
`train_on_annotations` the fine-tuning round a "Train on my annotations" button starts.
"""
