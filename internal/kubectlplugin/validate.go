// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"fmt"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Validator checks objects as the API server checks custom resources, with the CRDs' own schemas: unknown
// fields (kubectl applies with strict field validation), defaults, the OpenAPI schema (types, enums,
// patterns, lengths, formats) and the x-kubernetes-validations CEL rules, transition rules (oldSelf)
// included for an update. It is the apiextensions-apiserver's code, not a copy. It does not run admission
// webhooks (wxlink has none) nor the metadata checks (names, labels) the API server makes of every object.
type Validator struct {
	schemas map[schema.GroupVersionKind]*crdSchema
}

type crdSchema struct {
	structural *structuralschema.Structural
	openAPI    apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// LoadValidator reads wxlink's CRDs from the cluster (the schemas the API server enforces there).
func LoadValidator(ctx context.Context, c client.Reader) (*Validator, error) {
	crds := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := c.List(ctx, crds); err != nil {
		return nil, err
	}
	return NewValidator(crds.Items)
}

// NewValidator compiles the schemas of wxlink's CRDs among crds.
func NewValidator(crds []apiextensionsv1.CustomResourceDefinition) (*Validator, error) {
	v := &Validator{schemas: map[schema.GroupVersionKind]*crdSchema{}}
	for i := range crds {
		if crds[i].Spec.Group != wx.GroupVersion.Group {
			continue
		}
		if err := v.add(&crds[i]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// add compiles the schema of every served version of a CRD.
func (v *Validator) add(crd *apiextensionsv1.CustomResourceDefinition) error {
	for _, ver := range crd.Spec.Versions {
		if !ver.Served || ver.Schema == nil || ver.Schema.OpenAPIV3Schema == nil {
			continue
		}
		internal := &apiextensions.JSONSchemaProps{}
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(ver.Schema.OpenAPIV3Schema, internal, nil); err != nil {
			return fmt.Errorf("CRD %s: %w", crd.Name, err)
		}
		ss, err := structuralschema.NewStructural(internal)
		if err != nil {
			return fmt.Errorf("CRD %s: %w", crd.Name, err)
		}
		sv, _, err := apiservervalidation.NewSchemaValidator(internal)
		if err != nil {
			return fmt.Errorf("CRD %s: %w", crd.Name, err)
		}
		gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: ver.Name, Kind: crd.Spec.Names.Kind}
		v.schemas[gvk] = &crdSchema{structural: ss, openAPI: sv, cel: cel.NewValidator(ss, true, celconfig.PerCallLimit)}
	}
	return nil
}

// Knows reports whether the validator has a schema for the object's kind.
func (v *Validator) Knows(gvk schema.GroupVersionKind) bool {
	return v != nil && v.schemas[gvk] != nil
}

// DefaultAndValidate applies the schema's defaults to obj (in place) and returns what the API server would
// refuse. old is the object in the cluster for an update, nil for a create.
func (v *Validator) DefaultAndValidate(ctx context.Context, obj, old *unstructured.Unstructured) []string {
	s := v.schemas[obj.GroupVersionKind()]
	if s == nil {
		return nil
	}
	var errs []string
	unknown := pruning.PruneWithOptions(obj.Object, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		errs = append(errs, fmt.Sprintf("unknown field %q", p))
	}
	defaulting.Default(obj.Object, s.structural)
	var fieldErrs field.ErrorList
	var oldObj any
	if old != nil {
		oldObj = old.Object
		fieldErrs = apiservervalidation.ValidateCustomResourceUpdate(nil, obj.Object, old.Object, s.openAPI)
	} else {
		fieldErrs = apiservervalidation.ValidateCustomResource(nil, obj.Object, s.openAPI)
	}
	celErrs, _ := s.cel.Validate(ctx, nil, s.structural, obj.Object, oldObj, celconfig.RuntimeCELCostBudget)
	for _, e := range append(fieldErrs, celErrs...) {
		errs = append(errs, e.Error())
	}
	return errs
}
