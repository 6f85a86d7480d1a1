import { spec } from '@chronicle/core/testing';
import { describe, it } from 'vitest';
import { cartDecider } from './cart.js';

describe('shopping cart (seed 004)', () => {
  it('decides', () => {
    const opened = { type: 'CartOpened' as const, data: { cartId: 'c', customerId: 'u' } };
    spec(cartDecider).given([opened]).when({ type: 'RemoveItem', sku: 'socks', quantity: 1 }).thenThrows('NOT_IN_CART');
    spec(cartDecider).given([opened, { type: 'ItemAdded', data: { sku: 'socks', quantity: 2 } }]).when({ type: 'CheckOut' }).thenThrows('NO_SHIPPING_INFORMATION');
    spec(cartDecider).given([opened]).when({ type: 'CheckOut' }).thenThrows('CART_EMPTY');
    spec(cartDecider).given([opened, { type: 'CartCheckedOut', data: null }]).when({ type: 'AddItem', sku: 'x', quantity: 1 }).thenThrows('CART_CHECKED_OUT');
  });
});
