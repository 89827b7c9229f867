from django.db import models
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """An OPD (perangkat daerah) or other body that answers complaints."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.abbreviation or self.name


class Category(models.Model):
    """A complaint category; the usual agency is where routing sends it first."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    usual_agency = models.ForeignKey(
        Agency, verbose_name=_("usual agency"), null=True, blank=True, on_delete=models.SET_NULL
    )
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("One per line; used to suggest this category before a model is trained.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Kelurahan(models.Model):
    kecamatan = models.CharField(_("kecamatan"), max_length=80)
    name = models.CharField(_("kelurahan"), max_length=80)

    class Meta:
        ordering = ["kecamatan", "name"]
        constraints = [models.UniqueConstraint(fields=["kecamatan", "name"], name="kelurahan_unique")]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")

    def __str__(self) -> str:
        return f"{self.name}, {self.kecamatan}"
