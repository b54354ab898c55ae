from django.urls import path

from content.views import questions

urlpatterns = [
    path("unanswered/", questions.unanswered, name="unanswered"),
    path("s/<slug:slug>/unanswered/", questions.space_unanswered, name="space_unanswered"),
    path("p/<int:pk>/accepted-answer/", questions.question_accept, name="question_accept"),
]
