from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "reader"
    verbose_name = "Reader"

    def ready(self) -> None:
        # Trending (papers) counts the site's own views, bookmarks and upvotes, which live
        # here: papers cannot import reader, so reader hands it the reader function.
        from papers.trending import own_signals_provider_set
        from reader.selectors import own_signals_in_window

        own_signals_provider_set(own_signals_in_window)
