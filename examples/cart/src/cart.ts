import { DomainError, ValidationError, type Decider, type Event } from '@chronicle/core';

export type CartOpened = Event<'CartOpened', { cartId: string; customerId: string }>;
export type ItemAdded = Event<'ItemAdded', { sku: string; quantity: number }>;
/** A removal is a new event that counters an addition; nothing is deleted. */
export type ItemRemoved = Event<'ItemRemoved', { sku: string; quantity: number }>;
export type ShippingInformationAdded = Event<'ShippingInformationAdded', { address: string }>;
export type CartCheckedOut = Event<'CartCheckedOut', null>;
export type CartEvent = CartOpened | ItemAdded | ItemRemoved | ShippingInformationAdded | CartCheckedOut;

export type CartCommand =
  | { readonly type: 'OpenCart'; readonly cartId: string; readonly customerId: string }
  | { readonly type: 'AddItem'; readonly sku: string; readonly quantity: number }
  | { readonly type: 'RemoveItem'; readonly sku: string; readonly quantity: number }
  | { readonly type: 'AddShippingInformation'; readonly address: string }
  | { readonly type: 'CheckOut' };

export type Cart = {
  readonly status: 'none' | 'open' | 'checked-out';
  readonly customerId?: string;
  readonly items: Readonly<Record<string, number>>;
  readonly address?: string;
};

export class CartError extends DomainError {}

function open(cart: Cart): Cart {
  if (cart.status === 'none') throw new CartError('CART_NOT_FOUND', 'no such cart');
  if (cart.status === 'checked-out') throw new CartError('CART_CHECKED_OUT', 'the cart was checked out');
  return cart;
}

function positive(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1) throw ValidationError.of('quantity', 'must be a whole number >= 1');
}

/** Seed 004's cart. Stream per cart: `cart-<cartId>`. */
export const cartDecider: Decider<CartCommand, CartEvent, Cart> = {
  initialState: () => ({ status: 'none', items: {} }),
  decide(command, cart) {
    switch (command.type) {
      case 'OpenCart':
        if (cart.status !== 'none') throw new CartError('CART_EXISTS', 'the cart already exists');
        return [{ type: 'CartOpened', data: { cartId: command.cartId, customerId: command.customerId } }];
      case 'AddItem':
        open(cart);
        positive(command.quantity);
        return [{ type: 'ItemAdded', data: { sku: command.sku, quantity: command.quantity } }];
      case 'RemoveItem': {
        positive(command.quantity);
        const inCart = open(cart).items[command.sku] ?? 0;
        if (command.quantity > inCart) throw new CartError('NOT_IN_CART', `only ${inCart} of ${command.sku} in the cart`);
        return [{ type: 'ItemRemoved', data: { sku: command.sku, quantity: command.quantity } }];
      }
      case 'AddShippingInformation':
        open(cart);
        if (command.address.trim() === '') throw ValidationError.of('address', "can't be blank");
        return cart.address === command.address ? [] : [{ type: 'ShippingInformationAdded', data: { address: command.address } }];
      case 'CheckOut':
        open(cart);
        if (Object.keys(cart.items).length === 0) throw new CartError('CART_EMPTY', 'nothing to check out');
        if (!cart.address) throw new CartError('NO_SHIPPING_INFORMATION', 'add shipping information first');
        return [{ type: 'CartCheckedOut', data: null }];
    }
  },
  evolve(cart, event) {
    switch (event.type) {
      case 'CartOpened':
        return { status: 'open', customerId: event.data.customerId, items: {} };
      case 'ItemAdded':
        return { ...cart, items: { ...cart.items, [event.data.sku]: (cart.items[event.data.sku] ?? 0) + event.data.quantity } };
      case 'ItemRemoved': {
        const items = { ...cart.items };
        const left = (items[event.data.sku] ?? 0) - event.data.quantity;
        if (left > 0) items[event.data.sku] = left;
        else delete items[event.data.sku];
        return { ...cart, items };
      }
      case 'ShippingInformationAdded':
        return { ...cart, address: event.data.address };
      case 'CartCheckedOut':
        return { ...cart, status: 'checked-out' };
    }
  },
};

export const cartStream = (cartId: string): string => `cart-${cartId}`;
