"""The paper's real models and ImageNet trunks, fetched on request: the catalogue of files
(`entries`), fetching with pooch (`fetch`), checking and converting (`install`), the job the
window runs (`job`) and the datasets (`datasets`). Nothing here goes online at import time."""
