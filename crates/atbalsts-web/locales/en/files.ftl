files-label = Attachments (optional)
files-hint = Up to 10 files, each up to 10 MiB, 25 MiB in all.
files-heading = Attachments
files-error-too-large = A file is larger than 10 MiB. Choose a smaller file and attach the files again.
files-error-too-many = A message can carry at most 10 files. Attach the files again.
files-error-total = The files together are larger than 25 MiB. Attach fewer or smaller files.
