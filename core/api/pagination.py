from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class LazyPageNumberPagination(PageNumberPagination):
    """Pagination whose page is returned as an unevaluated sliced queryset, so
    a view can use it as a subquery and fetch a page with its children in one
    statement."""

    def paginate_queryset_lazily(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except pagination.InvalidPage as invalid:
            raise pagination.NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(invalid))
            ) from invalid
        self.request = request
        return self.page.object_list
