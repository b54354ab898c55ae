from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    """Renders every form field with our markup: label, help and errors tied to the input for screen
    readers, and the error beside the field it belongs to."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
